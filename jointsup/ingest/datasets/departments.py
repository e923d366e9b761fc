"""Departments (部门) of every system and level, with their region and parent."""

from __future__ import annotations

from jointsup.ingest.dataset import Context, Dataset, Rows
from jointsup.ingest.normalize import FieldError, clean_name, required
from jointsup.ingest.source import Record
from jointsup.model import NodeRef, Rel, make_node

COLUMNS = ("code", "name", "system", "level", "region_code", "parent_code")
LEVELS = ("province", "city", "county", "township")


def build(rec: Record, ctx: Context) -> Rows:
    """One department row → Department, IN_REGION, and PART_OF its parent (after the file)."""
    f = rec.fields
    code = required(f, "code")
    level = f["level"].strip().lower()
    if level not in LEVELS:
        raise FieldError("level", f"{f['level']!r} is not one of {', '.join(LEVELS)}")
    required(f, "system")
    region, _ = ctx.region("region_code", f["region_code"])
    me = NodeRef("Department", code)
    rows = Rows(primary=make_node("Department", {
        "code": code, "name": clean_name(f["name"]), "system": f["system"].strip(),
        "level": level, "region_code": region, "parent_code": f["parent_code"].strip() or None}),
        needs=[("region_code", NodeRef("Region", region))],
        rels=[Rel("IN_REGION", me, NodeRef("Region", region))])
    if f["parent_code"].strip():
        rows.deferred.append(Rel("PART_OF", me, NodeRef("Department", f["parent_code"].strip())))
    return rows


DATASET = Dataset("departments", COLUMNS, build)
