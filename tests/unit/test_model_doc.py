"""docs/model.md names every label and relationship type of the code, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from jointsup.model import LABELS, REL_TYPES

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"


def test_model_doc_matches_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"`([A-Za-z_]+)`", text))
    assert set(LABELS) <= named, f"labels missing from docs/model.md: {set(LABELS) - named}"
    assert set(REL_TYPES) <= named, f"types missing from docs/model.md: {set(REL_TYPES) - named}"
    upper = {n for n in named if n.isupper() and len(n) > 3} - {"LABELS", "REL_TYPES"}
    assert upper <= set(REL_TYPES), f"docs/model.md names unknown types: {upper - set(REL_TYPES)}"


def test_every_relationship_joins_known_labels() -> None:
    for name, spec in REL_TYPES.items():
        assert spec.sources <= set(LABELS), name
        assert spec.targets <= set(LABELS), name
