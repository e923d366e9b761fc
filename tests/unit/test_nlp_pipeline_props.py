"""Properties: any text links without error, spans index the original text, work is linear."""

from __future__ import annotations

import cProfile
import pstats

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointsup.nlp.linker import Linker
from tests.unit.test_nlp_pipeline import small_linker

LINKER: Linker = small_linker(max_chars=1_100_000)
PIECES = ["成都市锦江区蜀香餐饮有限公司", "蜀香餐饮", "“蜀香”", "锦江区", "峨边",
          "《食品安全法》第三十四条", "91510104MA6C7Q8R1D", "9151 0104 MA6C 7Q8R 1E", "老李烧烤店",
          "在小王家买的", "店", "第二条", "\u200b", "\u200d", "\u202e", "\u2066", "\ufeff",
          "\x00", "\x1b[31m", "\r\n", "\t", "😀", "👨\u200d👩\u200d👧", "<b>", "</b>", "&amp;",
          "<script>alert(1)</script>", "（", "）", "９", "ａ", " ", "。", "，"]
noise = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=60).map("".join)


def check(text: str) -> None:
    result = LINKER.link(text)
    spans = [(e.start, e.end) for e in result.enterprises]
    spans += [(r.start, r.end) for r in result.regions] + [(x.start, x.end) for x in result.laws]
    spans += [(c.start, c.end) for c in result.invalid_codes]
    for start, end in spans:
        assert 0 <= start < end <= len(text)
    for ent in result.enterprises:
        assert text[ent.start:ent.end] == ent.name
        assert 0.0 <= ent.score <= 1.0
    for region in result.regions:
        assert text[region.start:region.end] == region.name
    for code in result.invalid_codes:
        assert text[code.start:code.end] == code.code


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(noise)
def test_any_text_links_with_valid_spans(text: str) -> None:
    check(text)


def calls(text: str) -> int:
    """Python-level calls (including generator steps) made linking `text`: a work count."""
    profile = cProfile.Profile()
    profile.runcall(LINKER.link, text)
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]


def test_work_grows_linearly_with_the_text() -> None:
    unit = "".join(PIECES[:12]) + "\u200b😀<p>" * 3
    small, large = calls(unit * 200), calls(unit * 800)
    assert large <= 4.4 * small  # four times the text: at most ~four times the work


def test_a_megabyte_of_mixed_text_finishes() -> None:
    unit = "".join(PIECES)
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    check(text)
