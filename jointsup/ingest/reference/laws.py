"""Parse the reference law texts (markdown, one file per version) into Law and Article nodes."""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path

from jointsup.errors import IngestError
from jointsup.model import LawRank, Node, Props, PropValue, Rel, chinese_number, make_node

# Titles replaced by a differently named act: the old one is repealed, not merely outdated.
REPLACED_BY: dict[str, str] = {"化妆品卫生监督条例": "化妆品监督管理条例"}

RANKS: dict[str, LawRank] = {
    "民法商法": LawRank.LAW, "社会法": LawRank.LAW, "经济法": LawRank.LAW, "行政法": LawRank.LAW,
    "行政法规": LawRank.ADMINISTRATIVE_REGULATION, "部门规章": LawRank.DEPARTMENT_RULE,
    "地方性法规": LawRank.LOCAL_REGULATION,
}
_ISSUED_RANKS = (LawRank.DEPARTMENT_RULE, LawRank.LOCAL_REGULATION)
_INFO_END = "<!-- INFO END -->"
_FILE_RE = re.compile(r"(?P<short>.+)\((?P<date>\d{4}-\d{2}-\d{2})\)")
_NUMERAL = "[零〇一二三四五六七八九十百千]+"
# `第十五 条…` (space before 条) is an upstream typo in one file; accepting it keeps that article
# from being swallowed by the one before. A reference like `第三条规定…` (no space) never matches.
_ARTICLE_RE = re.compile(rf"第(?P<n>{_NUMERAL})(?:条\s|\s条)")
_DATED_RE = re.compile(r"\d{4}年")


@dataclass
class _Version:
    """One parsed file: the law's properties (current/repealed still unset) and its articles."""

    props: Props
    articles: list[Props]


def read_laws(root: Path) -> tuple[list[Node], list[Rel]]:
    """Law and Article nodes with `OF_LAW` and `SUPERSEDES` rels, for every file under `root`."""
    versions = [_parse(path, root) for path in sorted(root.rglob("*.md"))]
    _mark_current(versions)
    laws, nodes, rels = [], [], []
    for version in versions:
        law = make_node("Law", version.props)
        laws.append(law)
        nodes.append(law)
        for props in version.articles:
            article = make_node("Article", props)
            nodes.append(article)
            rels.append(Rel("OF_LAW", article.ref, law.ref))
    return nodes, rels + _supersedes(laws)


def _mark_current(versions: list[_Version]) -> None:
    """Mark the newest version of each title current and every replaced title repealed."""
    newest: dict[PropValue, PropValue] = {}
    for v in sorted(versions, key=lambda v: str(v.props["version"])):
        newest[v.props["title"]] = v.props["version"]
    for v in versions:
        repealed = v.props["short_title"] in REPLACED_BY
        v.props["repealed"] = repealed
        v.props["current"] = not repealed and newest[v.props["title"]] == v.props["version"]


def _by(laws: list[Node], prop: str) -> dict[str, list[Node]]:
    """Laws grouped by one property, each group oldest version first."""
    groups: dict[str, list[Node]] = {}
    for law in sorted(laws, key=lambda n: str(n.props["version"])):
        groups.setdefault(str(law.props[prop]), []).append(law)
    return groups


def _supersedes(laws: list[Node]) -> list[Rel]:
    """Newer → next older version of each title, plus replacement → replaced title's newest."""
    rels = [Rel("SUPERSEDES", new.ref, old.ref)
            for group in _by(laws, "title").values() for old, new in pairwise(group)]
    by_short = _by(laws, "short_title")
    for old_title, new_title in REPLACED_BY.items():
        if old_title in by_short and new_title in by_short:
            rels.append(Rel("SUPERSEDES", by_short[new_title][0].ref, by_short[old_title][-1].ref))
    return rels


def _parse(path: Path, root: Path) -> _Version:
    """One law file: name, folder and header checked, articles split out."""
    where = str(path)
    short, version = _name_parts(path)
    folders = path.relative_to(root).parts[:-1]
    rank = RANKS.get(folders[0]) if folders else None
    if rank is None:
        raise IngestError("file is not in a known rank folder", path=where)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    if not lines or not lines[0].startswith("# ") or not lines[0][2:].strip():
        raise IngestError("first line is not a `# title`", path=where, line=1)
    end = next((i for i, text in enumerate(lines) if text.strip() == _INFO_END), None)
    if end is None:
        raise IngestError(f"no {_INFO_END} marker", path=where)
    title = lines[0][2:].strip()
    articles = _articles(lines, end + 1, title, version, where)
    return _Version({
        "title": title, "version": version, "short_title": short, "rank": rank.value,
        "issuer": folders[1] if rank in _ISSUED_RANKS and len(folders) > 1 else None,
        "history": _history(lines[1:end]), "article_count": len(articles),
    }, articles)


def _name_parts(path: Path) -> tuple[str, str]:
    """The short title and ISO version date from a `短标题(YYYY-MM-DD).md` file name."""
    match = _FILE_RE.fullmatch(path.stem)
    with suppress(ValueError):  # fromisoformat rejects impossible dates such as 2021-02-30
        if match:
            return match["short"], date.fromisoformat(match["date"]).isoformat()
    raise IngestError("file name lacks a valid (YYYY-MM-DD) version date", path=str(path))


def _history(lines: list[str]) -> list[str]:
    """Non-empty header lines; an undated line continues the one before (a wrapped line)."""
    history: list[str] = []
    for text in (raw.strip() for raw in lines):
        if text and history and not _DATED_RE.match(text):
            history[-1] += text
        elif text:
            history.append(text)
    return history


def _heading(text: str) -> str | None:
    """`## 第一章　总 则` → `第一章 总则`: headings space their names out unevenly."""
    words = text.lstrip("#").split()  # split() also splits on the ideographic space
    return f"{words[0]} {''.join(words[1:])}".strip() if words else None


def _articles(lines: list[str], start: int, title: str, version: str, where: str) -> list[Props]:
    """The articles after the header; each runs until the next article or heading."""
    articles: list[Props] = []
    chapter: str | None = None
    section: str | None = None
    body: list[str] | None = None  # paragraphs of the open article; None between articles
    last = 0
    for index in range(start, len(lines)):
        text = lines[index].strip()
        match = _ARTICLE_RE.match(text)
        if text.startswith("#"):
            body = None
            if text.startswith("### "):
                section = _heading(text)
            elif text.startswith("## "):
                chapter, section = _heading(text), None
        elif match:
            number = chinese_number(match["n"])
            if number <= last:
                raise IngestError(f"article {number} does not follow article {last}",
                                  path=where, line=index + 1)
            body, last = [text], number
            articles.append({"law_title": title, "law_version": version, "number": number,
                             "chapter": chapter, "section": section, "text": text})
        elif text and body is not None:
            body.append(text)
            articles[-1]["text"] = "\n".join(body)
    return articles
