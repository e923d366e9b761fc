"""Investigators explore the domain's entities only: every other label is refused as a seed."""

from __future__ import annotations

import pytest

from jointsup.errors import NotFound
from jointsup.model import LABELS, NodeRef
from jointsup.services.explore.view import EXPLORABLE_LABELS, check_seed


@pytest.mark.parametrize("label", sorted(set(LABELS) - EXPLORABLE_LABELS))
def test_bookkeeping_and_secret_labels_are_never_a_seed(label: str) -> None:
    with pytest.raises(NotFound):
        check_seed(NodeRef(label, "any"))


def test_the_hidden_labels_include_every_bookkeeping_label_added_so_far() -> None:
    hidden = set(LABELS) - EXPLORABLE_LABELS
    assert {"ApiToken", "AuditEntry", "AuditHead", "IngestBatch", "Job", "JobSlot",
            "IdempotencyRecord"} <= hidden
    assert set(LABELS) >= EXPLORABLE_LABELS  # no stale names in the allow-list
    assert check_seed(NodeRef("Enterprise", "x")) == NodeRef("Enterprise", "x")
