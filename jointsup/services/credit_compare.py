"""Computed against ingested credit classes for one month: where the two disagree."""

from __future__ import annotations

from dataclasses import dataclass

from jointsup.graph.store import Filter, GraphTx, encode_cursor
from jointsup.model import Node
from jointsup.services.credit import SOURCE, month_end
from jointsup.services.risk.alerts import page_in_memory
from jointsup.services.risk.world import scan

INGESTED = "ingested"


@dataclass(frozen=True)
class Comparison:
    """One enterprise's computed and ingested rating for a month (either may be missing)."""

    uscc: str
    month: str
    computed: Node | None
    ingested: Node | None
    cursor: str = ""  # where a page that ends here continues

    @property
    def differs(self) -> bool:
        """Both exist and their classes differ."""
        return (self.computed is not None and self.ingested is not None and
                self.computed.props.get("credit_class") != self.ingested.props.get("credit_class"))


@dataclass(frozen=True)
class ComparisonPage:
    """One page of comparisons, keyed by USCC."""

    items: list[Comparison]
    end_cursor: str | None
    has_next: bool
    total: int


def _key(uscc: str, month: str, source: str) -> str:
    return f"{uscc}|{month}|{source}"


def compare_classes(tx: GraphTx, month: str, differs_only: bool, first: int,
                    after: str | None) -> ComparisonPage:
    """Computed ratings of `month` beside the ingested ones (USCC order); with `differs_only`,
    just the enterprises whose two classes differ."""
    month_end(month)  # validates the format
    month = month.strip()
    by_month = Filter("month", "eq", month)
    if not differs_only:
        where = [by_month, Filter("source", "eq", SOURCE)]
        page = tx.list_nodes("CreditRating", filters=where, first=first, after=after)
        usccs = [str(n.props.get("uscc")) for n in page.items]
        ingested = tx.get_nodes("CreditRating", [_key(u, month, INGESTED) for u in usccs])
        items = [Comparison(u, month, c, i, encode_cursor(None, c.key))
                 for u, c, i in zip(usccs, page.items, ingested, strict=True)]
        return ComparisonPage(items, page.end_cursor, page.has_next,
                              tx.count_nodes("CreditRating", where))
    ingested_all = list(scan(tx, "CreditRating", [by_month, Filter("source", "eq", INGESTED)]))
    usccs = [str(n.props.get("uscc")) for n in ingested_all]
    computed = tx.get_nodes("CreditRating", [_key(u, month, SOURCE) for u in usccs])
    differ = sorted((c for c in (Comparison(u, month, c, i, encode_cursor(None, u)) for u, c, i in
                                 zip(usccs, computed, ingested_all, strict=True)) if c.differs),
                    key=lambda c: c.uscc)
    items, end, has_next = page_in_memory(differ, lambda c: c.uscc, first, after)
    return ComparisonPage(items, end, has_next, len(differ))
