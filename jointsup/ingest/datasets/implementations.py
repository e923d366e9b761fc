"""Check implementations (检查实施清单): an item as one department carries it out."""

from __future__ import annotations

from jointsup.ingest.dataset import Context, Dataset, Rows
from jointsup.ingest.normalize import FieldError, parse_ratio, required
from jointsup.ingest.source import Record
from jointsup.model import NodeRef, Rel, make_node

COLUMNS = ("code", "item_code", "department_code", "method", "ratio", "frequency")
METHODS = ("on_site", "documents", "online")


def build(rec: Record, ctx: Context) -> Rows:
    """One implementation row → CheckImplementation, IMPLEMENTS item, CARRIED_OUT_BY department."""
    f = rec.fields
    code = required(f, "code")
    method = f["method"].strip().lower()
    if method not in METHODS:
        raise FieldError("method", f"{f['method']!r} is not one of {', '.join(METHODS)}")
    item, dept = NodeRef("SupervisionItem", f["item_code"]), NodeRef("Department",
                                                                       f["department_code"])
    me = NodeRef("CheckImplementation", code)
    return Rows(primary=make_node("CheckImplementation", {
        "code": code, "item_code": item.key, "department_code": dept.key, "method": method,
        "ratio": parse_ratio("ratio", f["ratio"]), "frequency": f["frequency"] or None}),
        needs=[("item_code", item), ("department_code", dept)],
        rels=[Rel("IMPLEMENTS", me, item), Rel("CARRIED_OUT_BY", me, dept)])


DATASET = Dataset("implementations", COLUMNS, build)
