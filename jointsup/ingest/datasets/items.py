"""Supervision items (监管事项) with their legal basis and the industries they supervise."""

from __future__ import annotations

from jointsup.ingest.dataset import Context, Dataset, Rows
from jointsup.ingest.normalize import FieldError, clean_name, parse_bool, required, split_list
from jointsup.ingest.source import Record
from jointsup.model import NodeRef, Rel, make_node

COLUMNS = ("code", "name", "parent_code", "item_type", "department_system", "object_industries",
           "legal_basis", "random_check", "joint_check")
ITEM_TYPES = ("inspection", "penalty", "compulsory_measure", "other")


def build(rec: Record, ctx: Context) -> Rows:
    """One item row → SupervisionItem, LEGAL_BASIS articles, APPLIES_TO industries."""
    f = rec.fields
    code = required(f, "code")
    item_type = f["item_type"].strip().lower() or "other"
    if item_type not in ITEM_TYPES:
        raise FieldError("item_type", f"{f['item_type']!r} is not one of {', '.join(ITEM_TYPES)}")
    articles = [ctx.laws.article("legal_basis", ref) for ref in split_list(f["legal_basis"], ";")]
    if not articles:
        raise FieldError("legal_basis", "an item needs at least one article as its legal basis")
    industries = [NodeRef("Industry", c.upper()) for c in split_list(f["object_industries"])]
    me = NodeRef("SupervisionItem", code)
    rows = Rows(primary=make_node("SupervisionItem", {
        "code": code, "name": clean_name(f["name"]), "parent_code": f["parent_code"] or None,
        "item_type": item_type, "department_system": f["department_system"].strip(),
        "object_industries": [i.key for i in industries],
        "legal_basis": [f"{a.key.split('|')[0]}:{a.key.split('|')[2]}" for a in articles],
        "random_check": parse_bool("random_check", f["random_check"]),
        "joint_check": parse_bool("joint_check", f["joint_check"])}),
        needs=[*(("legal_basis", a) for a in articles),
               *(("object_industries", i) for i in industries)],
        rels=[*(Rel("LEGAL_BASIS", me, a) for a in articles),
              *(Rel("APPLIES_TO", me, i) for i in industries)])
    if f["parent_code"].strip():
        rows.deferred.append(Rel("PART_OF", me, NodeRef("SupervisionItem",
                                                        f["parent_code"].strip())))
    return rows


DATASET = Dataset("items", COLUMNS, build)
