"""Law citations (法条): 《X法》第三十四条, X法34条, 第二十八条第二款, 《中华人民共和国广告法》."""

from __future__ import annotations

import re

from jointsup.model import chinese_number
from jointsup.nlp.gazetteer import Gazetteer, Kind, LawRow
from jointsup.nlp.result import LawLink
from jointsup.nlp.state import State

_NUM = "[零〇一二三四五六七八九十百千0-9]{1,7}"
_ARTICLE = re.compile(rf"\s?(?:第(?P<a>{_NUM})条|(?P<d>[0-9]{{1,4}})条)(?:第(?P<p>{_NUM})款)?")
_LONE = re.compile(rf"第(?P<a>{_NUM})条(?:第(?P<p>{_NUM})款)?")


def version_on(versions: list[LawRow], as_of: str | None) -> LawRow | None:
    """The version in force on `as_of` (latest version dated ≤ as_of), else the current one."""
    if as_of:
        day = as_of[:10]
        earlier = [v for v in versions if v.version <= day]
        if earlier:
            return earlier[-1]
    live = [v for v in versions if v.current] or [v for v in versions if not v.repealed]
    return (live or versions)[-1] if versions else None


def _number(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return chinese_number(text)
    except ValueError:
        return None


def _link(state: State, gaz: Gazetteer, title: str, article: int | None, start: int,
          end: int) -> None:
    version = version_on(gaz.laws[title], state.received_at)
    a, b, _ = state.span(start, end)
    exists = version is not None and article is not None and 1 <= article <= version.article_count
    state.result.laws.append(LawLink(title, article, a, b, version.version if version else None,
                                     exists))
    state.take(start, end)


def find_citations(state: State, gaz: Gazetteer) -> None:
    """Law mentions with their article; a bare 第N条 cites the law named last before it."""
    if not state.law_hits:
        return
    text = state.norm.text
    titles = list(gaz.laws)
    for position, hit in enumerate(state.law_hits):
        title = titles[hit.of(Kind.LAW)[0]]
        start, end = hit.start, hit.end
        if start > 0 and text[start - 1] == "《" and end < len(text) and text[end] == "》":
            start, end = start - 1, end + 1
        article = None
        match = _ARTICLE.match(text, end)
        if match:
            article = _number(match["a"] or match["d"])
            end = match.end() if article is not None else end
        _link(state, gaz, title, article, start, end)
        later = state.law_hits[position + 1:position + 2]
        stop = later[0].start if later else len(text)
        for lone in _LONE.finditer(text, end, max(end, stop)):
            number = _number(lone["a"])
            if number is not None:
                _link(state, gaz, title, number, lone.start(), lone.end())

