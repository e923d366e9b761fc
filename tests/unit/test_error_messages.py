"""`elide`: error messages are capped around a marker saying how much was cut."""

from __future__ import annotations

import pytest

from jointsup.errors import MAX_MESSAGE_CHARS, elide


def test_a_message_at_the_limit_is_kept_whole() -> None:
    text = "a" * MAX_MESSAGE_CHARS
    assert elide(text) == text


@pytest.mark.parametrize("size", [MAX_MESSAGE_CHARS + 1, 100_000, 10**9 // 100])
def test_a_longer_message_keeps_its_start_and_end_and_says_what_was_cut(size: int) -> None:
    text = "S" + "x" * (size - 2) + "E"
    out = elide(text)
    assert len(out) <= MAX_MESSAGE_CHARS
    assert out.startswith("Sx")
    assert out.endswith("xE")
    kept = len(out) - len(out[out.index("…["):out.index("]…") + 2])
    assert f"…[{size - kept:,} characters elided]…" in out
