"""Enterprises (市场主体) from registry extracts: the enterprise, its address, phone and links."""

from __future__ import annotations

import re

from jointsup.ingest.dataset import Context, Dataset, Lookup, Rows
from jointsup.ingest.normalize import (
    FieldError,
    check_phone,
    clean_name,
    normalize_address,
    parse_date,
    parse_uscc,
    split_list,
    uscc_ref,
)
from jointsup.ingest.source import Record
from jointsup.model import NodeRef, Props, Rel, make_node

COLUMNS = ("uscc", "name", "former_names", "legal_rep", "reg_region_code", "address",
           "industry_code", "phone", "established", "status", "credit_class")
STATUSES = {"存续": "存续", "在业": "在业", "开业": "在业", "在营": "在业", "吊销": "吊销",
            "吊销未注销": "吊销", "注销": "注销", "迁出": "迁出", "撤销": "撤销"}
CREDIT_CLASSES = ("A", "B", "C", "D")
ENTITY_TYPES = {"1": "company", "2": "individual_business", "3": "cooperative"}
# A branch's name is its parent's name followed by a place and a branch word.
_BRANCH = re.compile(r"^(.*(?:公司|厂|社))(.+?)(?:分公司|分厂|分店|分社)$")


def build(rec: Record, ctx: Context) -> Rows:
    """One registry row → Enterprise, Address, Phone and their relationships."""
    f = rec.fields
    uscc, check_ok = parse_uscc("uscc", f["uscc"])
    name = clean_name(f["name"])
    if not name:
        raise FieldError("name", "is empty")
    region, original_region = ctx.region("reg_region_code", f["reg_region_code"])
    status = STATUSES.get(f["status"].strip())
    if status is None:
        raise FieldError("status", f"{f['status']!r} is not one of {', '.join(sorted(STATUSES))}")
    credit = f["credit_class"].strip().upper()
    if credit and credit not in CREDIT_CLASSES:
        raise FieldError("credit_class", f"{credit!r} is not A, B, C or D")
    industry = f["industry_code"].strip().upper()
    if not industry:
        raise FieldError("industry_code", "is empty")
    props: Props = {
        "uscc": uscc, "name": name, "former_names": [clean_name(n) for n in
                                                     split_list(f["former_names"])],
        "legal_rep": f["legal_rep"] or None, "reg_region_code": region,
        "reg_region_code_original": original_region, "industry_code": industry,
        "established": parse_date("established", f["established"], required=False),
        "status": status, "credit_class": credit or None,
        "entity_type": ENTITY_TYPES.get(uscc[1], "other") if uscc[0] == "9" else "other",
        "uscc_check_failed": None if check_ok else True,
    }
    me = NodeRef("Enterprise", uscc)
    rows = Rows(primary=make_node("Enterprise", props),
                needs=[("reg_region_code", NodeRef("Region", region)),
                       ("industry_code", NodeRef("Industry", industry))],
                rels=[Rel("IN_REGION", me, NodeRef("Region", region)),
                      Rel("IN_INDUSTRY", me, NodeRef("Industry", industry))])
    if not check_ok:
        rows.warnings.append(f"uscc {uscc}: check character does not match (pilot-era code?)")
    _contacts(rows, me, f, region)
    _parent(rows, me, name, f.get("parent_uscc", ""))
    return rows


def _contacts(rows: Rows, me: NodeRef, f: dict[str, str], region: str) -> None:
    address = normalize_address(f["address"])
    if address:
        rows.primary.props["address"] = address
        rows.nodes.append(make_node("Address", {"normalized": address, "region_code": region}))
        rows.rels.append(Rel("LOCATED_AT", me, NodeRef("Address", address)))
    phone = check_phone("phone", f["phone"])
    if phone:
        rows.primary.props["phone"] = phone
        rows.nodes.append(make_node("Phone", {"number": phone}))
        rows.rels.append(Rel("HAS_PHONE", me, NodeRef("Phone", phone)))


def _parent(rows: Rows, me: NodeRef, name: str, parent_uscc: str) -> None:
    if parent_uscc.strip():
        parent = uscc_ref("parent_uscc", parent_uscc)
        rows.primary.props["parent_uscc"] = parent
        rows.deferred.append(Rel("BRANCH_OF", me, NodeRef("Enterprise", parent)))
    elif m := _BRANCH.match(name):
        rows.lookups.append(Lookup("BRANCH_OF", me, "Enterprise", "name", m[1]))


DATASET = Dataset("enterprises", COLUMNS, build, optional=("parent_uscc",), bulk=True,
                  labels=("Enterprise", "Address", "Phone"))
