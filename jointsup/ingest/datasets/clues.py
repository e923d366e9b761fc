"""Clues (线索): complaints, reports, partner transfers and model alerts, stored as received.

Each clue is linked as it is built (jointsup.nlp): the enterprises, places, laws, category and
departments its text names become relationships committed with the clue in its batch.
"""

from __future__ import annotations

from jointsup.ingest.dataset import Context, Dataset, Rows
from jointsup.ingest.normalize import FieldError, clean_name, parse_datetime, required, uscc_ref
from jointsup.ingest.source import Record
from jointsup.model import NodeRef, Rel, make_node
from jointsup.nlp.clue_links import add_links, linker_for

COLUMNS = ("id", "channel", "received_at", "text", "region_code", "respondent_name",
           "respondent_uscc")
CHANNELS = ("12315_hotline", "12315_web", "12315_app", "report", "partner_transfer",
            "risk_model", "other")
MAX_TEXT = 20_000


def build(rec: Record, ctx: Context) -> Rows:
    """One clue row → Clue (REGISTERED), IN_REGION, and AGAINST a respondent named by code."""
    f = rec.fields
    ident = required(f, "id")
    channel = f["channel"].strip().lower()
    if channel not in CHANNELS:
        raise FieldError("channel", f"{f['channel']!r} is not one of {', '.join(CHANNELS)}")
    text = f["text"]
    if not text.strip():
        raise FieldError("text", "is empty")
    if len(text) > MAX_TEXT:
        raise FieldError("text", f"is {len(text)} characters; the limit is {MAX_TEXT}")
    me = NodeRef("Clue", ident)
    props = {"id": ident, "channel": channel, "received_at": parse_datetime(
        "received_at", f["received_at"]), "text": text, "status": "REGISTERED",
        "respondent_name": clean_name(f["respondent_name"]) or None}
    rows = Rows(primary=make_node("Clue", props))  # type: ignore[arg-type]
    if f["region_code"].strip():
        region, _ = ctx.region("region_code", f["region_code"])
        rows.primary.props["region_code"] = region
        rows.needs.append(("region_code", NodeRef("Region", region)))
        rows.rels.append(Rel("IN_REGION", me, NodeRef("Region", region)))
    if f["respondent_uscc"].strip():
        uscc = uscc_ref("respondent_uscc", f["respondent_uscc"])
        rows.primary.props["respondent_uscc"] = uscc
        rows.needs.append(("respondent_uscc", NodeRef("Enterprise", uscc)))
        rows.rels.append(Rel("AGAINST", me, NodeRef("Enterprise", uscc),
                             {"score": 1.0, "explanation": "named by code in the source"}))
    add_links(rows, linker_for(ctx).link(text, str(props["received_at"] or "") or None))
    return rows


DATASET = Dataset("clues", COLUMNS, build)
