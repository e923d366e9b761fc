"""The law texts (法律法规) as a citation index: which articles each law version has."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jointsup.model import chinese_number

ARTICLE_RE = re.compile(r"^第([零〇一二三四五六七八九十百千]+)条")
_VERSION_RE = re.compile(r"\((\d{4}-\d{2}-\d{2})\)\.md$")
_NATIONAL_PREFIX = "中华人民共和国"
_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Law:
    """One version of a law: its official title (line 1), version date and article numbers."""

    title: str
    version: str
    key: str  # file stem without the version, e.g. 食品安全法 or 重庆市计量监督管理条例
    articles: frozenset[int]

    @property
    def short(self) -> str:
        """The title as people write it: without the 中华人民共和国 prefix."""
        return self.title.removeprefix(_NATIONAL_PREFIX)


class LawBook:
    """The newest version of every law under a folder, addressed by file key or official title."""

    def __init__(self, laws: list[Law]) -> None:
        """Keep the newest version per title; laws are looked up by key and by title."""
        newest: dict[str, Law] = {}
        for law in sorted(laws, key=lambda item: (item.title, item.version)):
            newest[law.title] = law
        self._by_title = newest
        self._by_key = {law.key: law for law in newest.values()}

    @classmethod
    def load(cls, folder: Path) -> LawBook:
        """Parse every markdown file under `folder` (recursively, in sorted order)."""
        return cls([parse_law(path) for path in sorted(folder.rglob("*.md"))])

    def law(self, key: str) -> Law:
        """The newest version by file key (食品安全法); KeyError when unknown."""
        try:
            return self._by_key[key]
        except KeyError:
            raise KeyError(f"no law file for {key!r}") from None

    def cite(self, key: str, article: int) -> str:
        """`official title:article`, after checking the article exists in the newest version."""
        law = self.law(key)
        if article not in law.articles:
            raise ValueError(f"{law.title} ({law.version}) has no article {article}")
        return f"{law.title}:{article}"

    def has(self, title: str, article: int) -> bool:
        """True when the newest version of `title` contains `article`."""
        law = self._by_title.get(title)
        return law is not None and article in law.articles


def parse_law(path: Path) -> Law:
    """Title from line 1, version from the file name, articles from lines starting 第X条."""
    lines = path.read_text(encoding="utf-8").splitlines()
    title = lines[0].lstrip("#").strip()
    match = _VERSION_RE.search(path.name)
    if match is None:
        raise ValueError(f"law file name carries no version date: {path.name}")
    articles = set()
    for line in lines[1:]:
        hit = ARTICLE_RE.match(line)
        if hit:
            articles.add(chinese_number(hit.group(1)))
    return Law(title, match.group(1), path.name[: match.start()], frozenset(articles))


def cn_numeral(number: int) -> str:
    """Write 1..9999 as article numbers are written: 34 → 三十四, 105 → 一百零五, 12 → 十二."""
    if not 0 < number < 10000:
        raise ValueError(f"article number out of range: {number}")
    parts: list[str] = []
    units = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))
    pending_zero = False
    for value, unit in units:
        digit = (number // value) % 10
        if digit == 0:
            pending_zero = bool(parts)
            continue
        if pending_zero:
            parts.append("零")
            pending_zero = False
        # 10-19 read 十, 十一 … without a leading 一, as in 第十二条.
        if not (value == 10 and digit == 1 and not parts):
            parts.append(_DIGITS[digit])
        parts.append(unit)
    return "".join(parts)
