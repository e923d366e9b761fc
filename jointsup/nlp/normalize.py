"""Normalisation (规范化) of complaint text with an offset map back to the original.

Full-width letters and digits become half-width, zero-width, bidirectional and other control
characters are dropped; every later component works on the normalised text and reports spans
through `Normalized.span`, so offsets always index the original text (end exclusive).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Format characters people never mean: zero-width, joiners, bidi embeddings/isolates, BOM.
_DROP = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)] + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2060, 0x2070)] + ["\ufeff", "\u00ad", "\u180e"])
_KEEP_CONTROLS = frozenset("\n\t")


def _table() -> dict[int, str | None]:
    """One `str.translate` table for the per-character part of normalisation."""
    table: dict[int, str | None] = {ord(c): None for c in _DROP}
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII → ASCII
        table[code] = chr(code - 0xFEE0)
    table[0x3000] = " "  # ideographic space
    for code in list(range(0x00, 0x20)) + list(range(0x7F, 0xA0)):
        if chr(code) not in _KEEP_CONTROLS:
            table[code] = None
    # Keep the Chinese brackets and punctuation that mark law titles and quotes as they are.
    for ch in "（），：；！？":
        table.pop(ord(ch), None)
    return table


TABLE = _table()
# Any character the table changes: most complaints hold none, and a search for one costs a
# fraction of a `translate` (which looks every character up in the table).
_CHANGED = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(TABLE)) + "]")


@dataclass(frozen=True)
class Normalized:
    """The normalised text and, for each of its characters, the original index it came from."""

    original: str
    text: str
    origin: tuple[int, ...] | None  # None when nothing was dropped (identity map)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A [start, end) span of the normalised text as a span of the original text."""
        if self.origin is None:
            return start, end
        if end <= start:
            at = self.origin[start] if start < len(self.origin) else len(self.original)
            return at, at
        return self.origin[start], self.origin[end - 1] + 1


def normalize(original: str) -> Normalized:
    """Normalise `original`; linear in its length."""
    if _CHANGED.search(original) is None:
        return Normalized(original, original, None)
    text = original.translate(TABLE)
    if len(text) == len(original):
        return Normalized(original, text, None)
    origin: list[int] = []
    append = origin.append
    table = TABLE
    for index, ch in enumerate(original):
        mapped = table.get(ord(ch), ch)
        if mapped is not None:
            append(index)
    return Normalized(original, text, tuple(origin))

