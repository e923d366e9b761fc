"""Unit: normalisation offsets, name derivation, and the pipeline assembled from its config."""

from __future__ import annotations

from pathlib import Path

import pytest

from jointsup.nlp import names
from jointsup.nlp.components import TEXT_KEY
from jointsup.nlp.gazetteer import EnterpriseRow, GazetteerBuilder, LawRow, RegionRow
from jointsup.nlp.linker import Linker, build_pipeline, default_config
from jointsup.nlp.normalize import normalize

REGIONS = [RegionRow("510000", "四川省", "province", None),
           RegionRow("510100", "成都市", "city", "510000"),
           RegionRow("510104", "锦江区", "county", "510100"),
           RegionRow("511132", "峨边彝族自治县", "county", "511100")]


def small_linker(**kw: object) -> Linker:
    """A linker over a hand-built gazetteer (no store: no departments)."""
    builder = GazetteerBuilder()
    builder.regions(REGIONS)
    builder.laws([LawRow("中华人民共和国食品安全法", "食品安全法", "2021-04-29", 154, True, False)])
    builder.enterprise(EnterpriseRow("91510104MA6C7Q8R1D", "成都市锦江区蜀香餐饮有限公司",
                                     "510104", "存续"))
    return Linker(builder.build(), None, **kw)  # type: ignore[arg-type]


def test_normalize_maps_every_char_back() -> None:
    original = "在\u200b成都\u202e９１ａＢ\x00好"
    norm = normalize(original)
    assert norm.text == "在成都91aB好"
    for i, ch in enumerate(norm.text):
        a, b = norm.span(i, i + 1)
        assert b == a + 1
        assert (original[a] == ch or ord(original[a]) - 0xFEE0 == ord(ch))
    assert norm.span(1, 3) == (2, 4)


@pytest.mark.parametrize(("name", "short", "trade"), [
    ("成都市锦江区蜀香餐饮有限公司", "蜀香餐饮", "蜀香"),
    ("瑞达（重庆）液化气有限公司", "瑞达液化气", "瑞达"),
    ("沙坪坝区夏记夜宵店", "夏记夜宵店", "夏记"),
    ("成都博兴洗浴有限公司", "博兴洗浴", "博兴"),  # 博兴 is also a county: stripped only once
])
def test_short_and_trade_names(name: str, short: str, trade: str) -> None:
    regions = {"成都市": ["510100"], "成都": ["510100"], "锦江区": ["510104"],
               "重庆": ["500000"], "沙坪坝区": ["500106"], "博兴": ["371625"]}
    got = names.short_name(name, names.RegionIndex(regions))
    assert got == short
    assert names.trade_name(got) == trade


def test_pipeline_comes_from_the_shipped_config() -> None:
    nlp = build_pipeline()
    assert nlp.pipe_names[0] == "jointsup_normalizer"
    assert "jointsup_disambiguation" in nlp.pipe_names
    doc = nlp.make_doc("在 成都\n买的")
    assert len(doc) == 0
    assert doc.user_data[TEXT_KEY] == "在 成都\n买的"


def test_the_char_tokenizer_gives_tokens_and_the_same_links(tmp_path: Path) -> None:
    text = default_config().read_text(encoding="utf-8")
    cfg = tmp_path / "chars.cfg"
    # A spaCy component that is not ours (the sentencizer) sends the linker down the Doc path.
    text = text.replace("jointsup.text_tokenizer.v1", "jointsup.char_tokenizer.v1").replace(
        '"jointsup_routing"]', '"jointsup_routing", "sentencizer"]')
    cfg.write_text(text + '\n[components.sentencizer]\nfactory = "sentencizer"\n',
                   encoding="utf-8")
    doc = build_pipeline(cfg).make_doc("在 成都\n买的")
    assert [t.text for t in doc] == list("在 成都\n买的")
    assert doc.text == "在 成都\n买的"
    complaint = "在成都市锦江区蜀香餐饮吃的，违反《食品安全法》第三十四条。"
    plain = small_linker().link(complaint, "2024-05-01")
    chars = Linker(small_linker().gazetteer, None, config=cfg)
    assert small_linker().fast_path
    assert not chars.fast_path
    assert chars.link(complaint, "2024-05-01").to_json() == plain.to_json()
    assert plain.enterprises
    assert plain.laws


def test_a_reordered_config_is_honoured(tmp_path: Path) -> None:
    text = default_config().read_text(encoding="utf-8")
    cfg = tmp_path / "no_unknown.cfg"
    cfg.write_text(text.replace(', "jointsup_unknown"', ""), encoding="utf-8")
    plain = small_linker().link("在老李烧烤店买的。")
    without = Linker(small_linker().gazetteer, None, config=cfg).link("在老李烧烤店买的。")
    assert [e.name for e in plain.enterprises] == ["老李烧烤店"]
    assert without.enterprises == []


def test_threshold_from_config(tmp_path: Path) -> None:
    cfg = tmp_path / "strict.cfg"
    cfg.write_text(default_config().read_text(encoding="utf-8").replace(
        "threshold = 0.5", "threshold = 0.95"), encoding="utf-8")
    text = "锦江区的蜀香餐饮。"
    assert small_linker().link(text).enterprises[0].uscc == "91510104MA6C7Q8R1D"
    assert Linker(small_linker().gazetteer, None, config=cfg).link(text).enterprises[0].uscc \
        is None


def test_spans_index_the_original_text_through_noise() -> None:
    text = "\u200b\u200b锦\u200d江区的“蜀香”\u202e卖的东西违反《食品安全法》第３４条"
    result = small_linker().link(text)
    assert [text[e.start:e.end] for e in result.enterprises] == ["蜀香"]
    assert [text[r.start:r.end] for r in result.regions] == ["锦\u200d江区"]
    assert [(law.article, text[law.start:law.end]) for law in result.laws] == [
        (34, "《食品安全法》第３４条")]


def test_over_long_text_is_refused() -> None:
    from jointsup.errors import InvalidInput

    with pytest.raises(InvalidInput, match="limit is 10"):
        small_linker(max_chars=10).link("好" * 11)
