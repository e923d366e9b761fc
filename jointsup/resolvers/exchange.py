"""Clue exchange between two instances over GraphQL (issue 6): receive, receipts, the event feed."""

from __future__ import annotations


class ExchangeQuery:
    """Root query fields of the exchange; merged into `Query`."""


class ExchangeMutation:
    """Root mutations of the exchange; merged into `Mutation`."""


__all__ = ["ExchangeMutation", "ExchangeQuery"]
