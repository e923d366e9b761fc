"""Law-enforcement officers (执法人员) and whether they are in the random-selection pool."""

from __future__ import annotations

from jointsup.ingest.dataset import Context, Dataset, Rows
from jointsup.ingest.normalize import clean_name, parse_bool, required, split_list
from jointsup.ingest.source import Record
from jointsup.model import NodeRef, Rel, make_node

COLUMNS = ("cert_no", "name", "department_code", "specialties", "in_random_pool")


def build(rec: Record, ctx: Context) -> Rows:
    """One officer row → Officer and MEMBER_OF department."""
    f = rec.fields
    cert = required(f, "cert_no")
    dept = NodeRef("Department", f["department_code"].strip())
    officer = make_node("Officer", {
        "cert_no": cert, "name": clean_name(f["name"]), "department_code": dept.key,
        "specialties": split_list(f["specialties"]),
        "in_random_pool": parse_bool("in_random_pool", f["in_random_pool"])})
    return Rows(primary=officer, needs=[("department_code", dept)],
                rels=[Rel("MEMBER_OF", officer.ref, dept)])


DATASET = Dataset("officers", COLUMNS, build)
