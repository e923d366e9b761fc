"""Entries on the abnormal-operation (经营异常名录) and serious-violation (严重违法失信) lists."""

from __future__ import annotations

from jointsup.ingest.dataset import Context, Dataset, Rows
from jointsup.ingest.normalize import FieldError, parse_date, uscc_ref
from jointsup.ingest.source import Record
from jointsup.model import NodeRef, Rel, make_node

COLUMNS = ("uscc", "list", "date", "reason")
LISTS = {"abnormal_operation": "abnormal_operation", "经营异常名录": "abnormal_operation",
         "serious_violation": "serious_violation", "严重违法失信名单": "serious_violation"}


def build(rec: Record, ctx: Context) -> Rows:
    """One list row → ListEntry and LISTS the enterprise."""
    f = rec.fields
    uscc = uscc_ref("uscc", f["uscc"])
    kind = LISTS.get(f["list"].strip())
    if kind is None:
        raise FieldError("list", f"{f['list']!r} is not abnormal_operation or serious_violation")
    entry = make_node("ListEntry", {
        "uscc": uscc, "list": kind, "date": parse_date("date", f["date"]),
        "reason": f["reason"] or None,
        "removed_date": parse_date("removed_date", f.get("removed_date", ""), required=False)})
    company = NodeRef("Enterprise", uscc)
    return Rows(primary=entry, needs=[("uscc", company)], rels=[Rel("LISTS", entry.ref, company)])


DATASET = Dataset("lists", COLUMNS, build, optional=("removed_date",), bulk=True,
                  labels=("ListEntry",))
