"""What linking one text yields; `LinkResult.to_json` is the `jointsup link` output contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class EnterpriseLink:
    """A business mention: linked (uscc set, score ≥ threshold) or unresolved (uscc None)."""

    uscc: str | None
    name: str
    start: int
    end: int
    score: float
    explanation: str
    candidates: tuple[str, ...] = ()  # the codes it may mean when it stayed unresolved

    def to_json(self) -> dict[str, Any]:
        """The contract's enterprise entry."""
        return {"uscc": self.uscc, "name": self.name, "start": self.start, "end": self.end,
                "score": round(self.score, 4)}


@dataclass
class RegionLink:
    """A place named in the text, at its most specific code."""

    code: str
    name: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        """The contract's region entry."""
        return {"code": self.code, "name": self.name, "start": self.start, "end": self.end}


@dataclass
class LawLink:
    """A law (and article) cited, resolved to the version in force on the clue's date."""

    law: str
    article: int | None
    start: int
    end: int
    version: str | None = None
    article_exists: bool = False

    def to_json(self) -> dict[str, Any]:
        """The contract's law entry."""
        return {"law": self.law, "article": self.article, "start": self.start, "end": self.end}

    @property
    def article_key(self) -> str | None:
        """The Article node key (`title|version|number`) when that article exists."""
        if self.article is None or self.version is None or not self.article_exists:
            return None
        return f"{self.law}|{self.version}|{self.article}"


@dataclass
class InvalidCode:
    """A credit code whose check character fails, with the enterprise it most likely meant."""

    code: str
    start: int
    end: int
    suggested_uscc: str | None

    def to_json(self) -> dict[str, Any]:
        """The contract's invalid-code entry."""
        return {"code": self.code, "start": self.start, "end": self.end,
                "suggested_uscc": self.suggested_uscc}


@dataclass
class LinkResult:
    """Everything linked in one text."""

    enterprises: list[EnterpriseLink] = field(default_factory=list)
    regions: list[RegionLink] = field(default_factory=list)
    laws: list[LawLink] = field(default_factory=list)
    invalid_codes: list[InvalidCode] = field(default_factory=list)
    category: str = "其他"
    departments: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Exactly the CLI contract's keys (the caller adds the input `id`)."""
        return {
            "enterprises": [e.to_json() for e in self.enterprises],
            "regions": [r.to_json() for r in self.regions],
            "laws": [law.to_json() for law in self.laws],
            "invalid_codes": [c.to_json() for c in self.invalid_codes],
            "category": self.category,
            "departments": [dict(d) for d in self.departments],
        }
