"""The domain model: node labels with their natural keys, relationship types, and pure code helpers.

Every node in either store is identified by its label and one string `key` derived from its
natural key (see `LABELS`); the natural-key fields stay as ordinary properties too. This module
does no I/O; the stores use `LABELS` and `REL_TYPES` as the allow-list for every label and type
they put into a query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

Scalar = str | int | float | bool
PropValue = Scalar | list[str] | list[int] | list[float] | list[bool] | None
Props = dict[str, PropValue]


@dataclass(frozen=True)
class LabelSpec:
    """A node label: the fields its key is made of and the properties the stores index."""

    key_fields: tuple[str, ...]
    indexed: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class RelSpec:
    """A relationship type and the labels it may connect."""

    sources: frozenset[str]
    targets: frozenset[str]
    doc: str = ""


def _rel(src: str, dst: str, doc: str) -> RelSpec:
    return RelSpec(frozenset(src.split()), frozenset(dst.split()), doc)


# Domain labels. `indexed` names the properties services filter or sort on; both stores index them.
LABELS: dict[str, LabelSpec] = {
    "Enterprise": LabelSpec(("uscc",), ("name", "reg_region_code", "industry_code", "status"),
                            "market entity (市场主体) keyed by its unified social credit code"),
    "Person": LabelSpec(("person_id",), ("name",), "natural person; identity numbers only hashed"),
    "Address": LabelSpec(("normalized",), ("region_code",), "normalised address text"),
    "Phone": LabelSpec(("number",), (), "normalised phone number"),
    "Department": LabelSpec(("code",), ("system", "level", "region_code"), "department (部门)"),
    "Region": LabelSpec(("code",), ("level", "name"), "GB/T 2260 administrative division"),
    "Industry": LabelSpec(("code",), ("level",), "GB/T 4754-2017 industry class"),
    "Law": LabelSpec(("title", "version"), ("title", "current"),
                     "one version of a law or regulation (法律法规)"),
    "Article": LabelSpec(("law_title", "law_version", "number"), (),
                         "article (条) of a law version"),
    "Category": LabelSpec(("name",), (), "complaint category from the fixed taxonomy"),
    "SupervisionItem": LabelSpec(("code",), ("department_system",), "supervision item (监管事项)"),
    "CheckImplementation": LabelSpec(("code",), (), "check implementation (检查实施清单)"),
    "Officer": LabelSpec(("cert_no",), (), "law-enforcement officer (执法人员)"),
    "Inspection": LabelSpec(("id",), ("date",), "supervision action: inspection or penalty"),
    "ListEntry": LabelSpec(("uscc", "list", "date"), ("list",),
                           "entry on the abnormal-operation (经营异常) or serious-violation "
                           "(严重违法失信) list"),
    "CreditRating": LabelSpec(("uscc", "month", "source"), ("month",),
                              "monthly credit risk class A-D, ingested or computed"),
    "Clue": LabelSpec(("id",), ("status", "received_at", "region_code", "shared"),
                      "clue (线索)"),
    "Party": LabelSpec(("party",), (), "partner region and agency (`region|agency`) clues "
                       "are shared with; its SHARED_WITH links list them"),
    "Mention": LabelSpec(("clue_id", "start", "end"), (), "unresolved business mention in a clue"),
    "RiskAlert": LabelSpec(("id",), ("model", "status"), "risk alert (风险预警)"),
    "ApiToken": LabelSpec(("token_id",), ("role",),
                          "API bearer token: only its hash is stored; revocable"),
    "InspectionPlan": LabelSpec(("id",), ("status",),
                                "joint random inspection plan (双随机、一公开 联合抽查)"),
    "PlanVisit": LabelSpec(("plan_id", "uscc"), ("plan_id",),
                           "one joint visit of a plan: one enterprise, several items (进一次门)"),
    "PlanCheck": LabelSpec(("plan_id", "uscc", "item_code"), ("plan_id", "publication_status"),
                           "one item checked on a plan visit, with its result and publication"),
    "AuditEntry": LabelSpec(("seq",), ("seq", "subject", "action"),
                            "hash-chained, append-only audit log entry"),
    "AuditHead": LabelSpec(("chain",), (), "the audit chain's head: last seq and hash"),
    "AuditCountersignature": LabelSpec(("signer", "day"), (),
                                       "a partner's signature over one day's audit chain head"),
    "IdempotencyRecord": LabelSpec(("idem_key",), (),
                                   "first result of a clue mutation under its idempotency key"),
    "Job": LabelSpec(("id",), ("kind", "status"),
                     "background job (后台任务): credit classes or risk models, with its state"),
    "JobSlot": LabelSpec(("kind",), (), "one per job kind: its active job; written first to lock"),
    "Partner": LabelSpec(("name",), ("region", "agency"),
                         "a partner instance of the clue exchange: endpoint and credentials"),
    "ExchangeMessage": LabelSpec(("id",), ("status", "created_at", "clue_id"),
                                 "outbox message of the clue exchange, with its delivery state"),
    "ExchangeReceipt": LabelSpec(("message_id",), ("clue_id",),
                                 "a message received from a partner: exactly one effect"),
    # Bookkeeping: one node per committed ingest batch, written in the batch's own transaction.
    "IngestBatch": LabelSpec(("source", "batch"), ("source",), "ledger entry of a committed batch"),
}

_ROLE_DOC = "person's role in an enterprise"
REL_TYPES: dict[str, RelSpec] = {
    "IN_REGION": _rel("Enterprise Department Address Clue", "Region", "located or registered in"),
    "IN_INDUSTRY": _rel("Enterprise", "Industry", "industry of the enterprise"),
    "BRANCH_OF": _rel("Enterprise", "Enterprise", "branch (分公司) of its parent"),
    "LEGAL_REP_OF": _rel("Person", "Enterprise", _ROLE_DOC + ": legal representative"),
    "SHAREHOLDER_OF": _rel("Person", "Enterprise", _ROLE_DOC + ": shareholder (share_ratio)"),
    "EXECUTIVE_OF": _rel("Person", "Enterprise", _ROLE_DOC + ": executive"),
    "LIAISON_OF": _rel("Person", "Enterprise", _ROLE_DOC + ": liaison (联络员)"),
    "AGENT_OF": _rel("Person", "Enterprise", _ROLE_DOC + ": agent"),
    "LOCATED_AT": _rel("Enterprise", "Address", "registered or operating address"),
    "HAS_PHONE": _rel("Enterprise", "Phone", "contact phone"),
    "PART_OF": _rel("Region Industry Department SupervisionItem",
                    "Region Industry Department SupervisionItem", "hierarchy: child to parent"),
    "OF_LAW": _rel("Article", "Law", "article belongs to this law version"),
    "SUPERSEDES": _rel("Law", "Law", "newer version supersedes older"),
    "LEGAL_BASIS": _rel("SupervisionItem", "Article", "item is founded on this article"),
    "APPLIES_TO": _rel("SupervisionItem", "Industry", "item supervises this industry"),
    "IMPLEMENTS": _rel("CheckImplementation", "SupervisionItem", "implementation of an item"),
    "CARRIED_OUT_BY": _rel("CheckImplementation", "Department", "department that carries it out"),
    "MEMBER_OF": _rel("Officer", "Department", "officer's department"),
    "TARGETS": _rel("Inspection", "Enterprise", "inspected enterprise"),
    "UNDER_ITEM": _rel("Inspection", "SupervisionItem", "item the inspection checked"),
    "BY_DEPARTMENT": _rel("Inspection", "Department", "department that inspected"),
    "BY_OFFICER": _rel("Inspection", "Officer", "officer who inspected"),
    "CITES": _rel("Inspection", "Article", "article cited in the result or penalty"),
    "LISTS": _rel("ListEntry", "Enterprise", "list entry concerns this enterprise"),
    "RATES": _rel("CreditRating", "Enterprise", "rating of this enterprise"),
    "AGAINST": _rel("Clue", "Enterprise", "clue's respondent (span, score, explanation)"),
    "CONCERNS": _rel("Clue", "Category", "clue's category"),
    "MAY_VIOLATE": _rel("Clue", "Article", "article the conduct may violate"),
    "ROUTED_TO": _rel("Clue", "Department", "department responsible for the clue"),
    "HAS_MENTION": _rel("Clue", "Mention", "unresolved business mention"),
    "SHARED_WITH": _rel("Clue", "Party", "clue shared with this party (transfer, assistance)"),
    "RESOLVED_TO": _rel("Mention", "Enterprise", "investigator's resolution of a mention"),
    "ABOUT": _rel("RiskAlert", "Enterprise", "alert's target"),
    "PLAN_ITEM": _rel("InspectionPlan", "SupervisionItem", "item checked under the plan"),
    "IN_PLAN": _rel("PlanVisit", "InspectionPlan", "visit belongs to this plan"),
    "VISITS": _rel("PlanVisit", "Enterprise", "enterprise the joint visit goes to"),
    "ASSIGNED": _rel("PlanVisit", "Officer", "officer drawn for the visit"),
    "CHECK_OF": _rel("PlanCheck", "PlanVisit", "item check belongs to this visit"),
    "RECORDED_AS": _rel("PlanCheck", "Inspection", "the inspection recording the result"),
}

ROLE_TYPES: dict[str, str] = {
    "legal_rep": "LEGAL_REP_OF",
    "shareholder": "SHAREHOLDER_OF",
    "executive": "EXECUTIVE_OF",
    "liaison": "LIAISON_OF",
    "agent": "AGENT_OF",
}


class NodeRef(NamedTuple):
    """A node's identity in either store: its label and its key string."""

    label: str
    key: str

    @property
    def global_id(self) -> str:
        """The id used across the API (`Label:key`)."""
        return f"{self.label}:{self.key}"

    @classmethod
    def parse(cls, global_id: str) -> NodeRef:
        """Inverse of `global_id`; raises ValueError on an unknown label."""
        label, sep, key = global_id.partition(":")
        if not sep or label not in LABELS or not key:
            raise ValueError(f"not a node id: {global_id!r}")
        return cls(label, key)


@dataclass(frozen=True)
class Node:
    """A node as stored: identity plus properties (which include the natural-key fields)."""

    label: str
    key: str
    props: Props = field(default_factory=dict)

    @property
    def ref(self) -> NodeRef:
        """This node's identity (made once: batches ask for it many times)."""
        try:
            ref: NodeRef = self.__dict__["_ref"]
        except KeyError:
            # functools.cached_property takes a lock on every first access in Python 3.11.
            ref = self.__dict__["_ref"] = NodeRef(self.label, self.key)
        return ref


@dataclass(frozen=True)
class Rel:
    """A relationship as stored; unique per (type, src, dst)."""

    type: str
    src: NodeRef
    dst: NodeRef
    props: Props = field(default_factory=dict)


KEY_SEPARATOR = "|"


def node_key(label: str, props: Props) -> str:
    """Derive a node's key string from its natural-key fields."""
    spec = LABELS.get(label)
    if spec is None:
        raise KeyError(f"unknown label {label!r}")
    parts = []
    for name in spec.key_fields:
        value = props.get(name)
        if value is None or value == "":
            raise ValueError(f"{label} needs {name!r} for its key")
        parts.append(str(value))
    return KEY_SEPARATOR.join(parts)


def make_node(label: str, props: Props) -> Node:
    """A node whose key is derived from `props`."""
    return Node(label, node_key(label, props), props)


class RegionLevel(StrEnum):
    """GB/T 2260 levels; township-level units only exist here for Sichuan and Chongqing."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"


class LawRank(StrEnum):
    """Rank of a legal source, from the reference data's folder names."""

    LAW = "law"
    ADMINISTRATIVE_REGULATION = "administrative_regulation"
    DEPARTMENT_RULE = "department_rule"
    LOCAL_REGULATION = "local_regulation"


_USCC_RE = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{18}$")


def looks_like_uscc(text: str) -> bool:
    """True when `text` has the USCC shape (18 characters of the GB 32100 alphabet)."""
    return bool(_USCC_RE.match(text))


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> int:
    """Parse a Chinese numeral as used in article numbers (第一百二十三条 → 123)."""
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (digit or 1) * _CN_UNITS[ch]
            digit = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    total += digit
    if total == 0 and not any(c in "零〇" for c in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    return total
