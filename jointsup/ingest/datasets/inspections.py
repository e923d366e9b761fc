"""Supervision actions (监管行为): inspections and penalties with officers and cited articles."""

from __future__ import annotations

from jointsup.ingest.dataset import Context, Dataset, Rows
from jointsup.ingest.normalize import parse_date, required, split_list, uscc_ref
from jointsup.ingest.source import Record
from jointsup.model import NodeRef, Rel, make_node

COLUMNS = ("id", "uscc", "item_code", "department_code", "officer_ids", "date", "result",
           "articles")


def build(rec: Record, ctx: Context) -> Rows:
    """One action row → Inspection with TARGETS, UNDER_ITEM, BY_DEPARTMENT, BY_OFFICER, CITES."""
    f = rec.fields
    ident = required(f, "id")
    required(f, "result")
    uscc = uscc_ref("uscc", f["uscc"])
    target = NodeRef("Enterprise", uscc)
    item = NodeRef("SupervisionItem", f["item_code"].strip())
    dept = NodeRef("Department", f["department_code"].strip())
    officers = [NodeRef("Officer", o) for o in split_list(f["officer_ids"])]
    articles = [ctx.laws.article("articles", a) for a in split_list(f["articles"], ";")]
    me = NodeRef("Inspection", ident)
    return Rows(
        primary=make_node("Inspection", {
            "id": ident, "uscc": uscc, "item_code": item.key, "department_code": dept.key,
            "officer_ids": [o.key for o in officers], "date": parse_date("date", f["date"]),
            "result": f["result"].strip()}),
        needs=[("uscc", target), ("item_code", item), ("department_code", dept),
               *(("officer_ids", o) for o in officers), *(("articles", a) for a in articles)],
        rels=[Rel("TARGETS", me, target), Rel("UNDER_ITEM", me, item),
              Rel("BY_DEPARTMENT", me, dept), *(Rel("BY_OFFICER", me, o) for o in officers),
              *(Rel("CITES", me, a) for a in articles)])


DATASET = Dataset("inspections", COLUMNS, build, bulk=True, labels=("Inspection",))
