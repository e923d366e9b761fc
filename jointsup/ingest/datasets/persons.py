"""People and their roles in enterprises (法定代表人, 股东, 高管, 联络员, 代理人)."""

from __future__ import annotations

from jointsup.ingest.dataset import Context, Dataset, Rows
from jointsup.ingest.normalize import FieldError, clean_name, parse_ratio, uscc_ref
from jointsup.ingest.source import Record
from jointsup.model import ROLE_TYPES, NodeRef, Rel, make_node

COLUMNS = ("uscc", "person_id", "name", "role", "share_ratio")
ROLE_WORDS = {
    **{role: role for role in ROLE_TYPES},
    "法定代表人": "legal_rep", "法人": "legal_rep", "经营者": "legal_rep", "负责人": "legal_rep",
    "股东": "shareholder", "投资人": "shareholder", "出资人": "shareholder",
    "高管": "executive", "董事": "executive", "监事": "executive", "经理": "executive",
    "执行董事": "executive", "联络员": "liaison", "代理人": "agent", "委托代理人": "agent",
}


def build(rec: Record, ctx: Context) -> Rows:
    """One role row → Person and its role relationship to the enterprise."""
    f = rec.fields
    uscc = uscc_ref("uscc", f["uscc"])
    if not f["person_id"].strip():
        raise FieldError("person_id", "is empty")
    role = ROLE_WORDS.get(f["role"].strip().lower()) or ROLE_WORDS.get(f["role"].strip())
    if role is None:
        raise FieldError("role", f"{f['role']!r} is not one of {', '.join(ROLE_TYPES)}")
    ratio = parse_ratio("share_ratio", f["share_ratio"])
    if ratio is not None and role != "shareholder":
        raise FieldError("share_ratio", "only a shareholder has a share ratio")
    key = ctx.person_key(f["person_id"])
    person = make_node("Person", {"person_id": key, "name": clean_name(f["name"]) or None})
    company = NodeRef("Enterprise", uscc)
    return Rows(primary=person, needs=[("uscc", company)],
                rels=[Rel(ROLE_TYPES[role], person.ref, company,
                          {"share_ratio": ratio} if ratio is not None else {})])


DATASET = Dataset("persons", COLUMNS, build, bulk=True, labels=("Person",))
