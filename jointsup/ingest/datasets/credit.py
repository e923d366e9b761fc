"""Monthly credit risk classes (信用风险分类) as published: one rating per enterprise and month."""

from __future__ import annotations

from jointsup.ingest.dataset import Context, Dataset, Rows
from jointsup.ingest.datasets.enterprises import CREDIT_CLASSES
from jointsup.ingest.normalize import FieldError, parse_month, uscc_ref
from jointsup.ingest.source import Record
from jointsup.model import NodeRef, Rel, make_node

COLUMNS = ("uscc", "month", "credit_class")


def build(rec: Record, ctx: Context) -> Rows:
    """One rating row → CreditRating (source `ingested`) that RATES the enterprise."""
    f = rec.fields
    uscc = uscc_ref("uscc", f["uscc"])
    grade = f["credit_class"].strip().upper()
    if grade not in CREDIT_CLASSES:
        raise FieldError("credit_class", f"{f['credit_class']!r} is not A, B, C or D")
    rating = make_node("CreditRating", {"uscc": uscc, "month": parse_month("month", f["month"]),
                                        "source": "ingested", "credit_class": grade})
    company = NodeRef("Enterprise", uscc)
    return Rows(primary=rating, needs=[("uscc", company)],
                rels=[Rel("RATES", rating.ref, company)])


DATASET = Dataset("credit", COLUMNS, build, bulk=True, labels=("CreditRating",))
