"""The linker's working state on a spaCy Doc (`doc.user_data["jointsup"]`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc

from jointsup.nlp.gazetteer import INDEX_MASK as _INDEX_MASK
from jointsup.nlp.gazetteer import Gazetteer, Kind
from jointsup.nlp.normalize import Normalized
from jointsup.nlp.result import LinkResult

KEY = "jointsup"


@dataclass
class Hit:
    """A gazetteer match on the normalised text: [start, end), its kinds, its packed entries."""

    start: int
    end: int
    mask: int  # bit k set when an entry of Kind k is among the entries
    packed: tuple[int, ...]

    def has(self, kind: Kind) -> bool:
        """True when some entry is of `kind`."""
        return bool(self.mask >> kind & 1)

    def of(self, *kinds: Kind) -> list[int]:
        """Table indices of the entries of the given kinds (unpacked only now: a shared 字号
        can carry hundreds of entries)."""
        wanted = 0
        for kind in kinds:
            wanted += 1 << kind
        return [(p & _INDEX_MASK) >> 3 for p in self.packed if wanted >> (p & 7) & 1]


@dataclass
class State:
    """Normalised text, gazetteer hits by kind, and the result being filled in."""

    norm: Normalized
    received_at: str | None = None
    enterprise_hits: list[Hit] = field(default_factory=list)
    region_hits: list[Hit] = field(default_factory=list)
    law_hits: list[Hit] = field(default_factory=list)
    result: LinkResult = field(default_factory=LinkResult)
    # One byte per normalised character: 1 once a component claimed it (linear, unlike a list
    # of spans that every check would have to walk).
    mask: bytearray = field(init=False)

    def __post_init__(self) -> None:
        """Start with nothing claimed."""
        self.mask = bytearray(len(self.norm.text))

    def span(self, start: int, end: int) -> tuple[int, int, str]:
        """A normalised span as (start, end, surface) of the original text."""
        a, b = self.norm.span(start, end)
        return a, b, self.norm.original[a:b]

    def is_taken(self, start: int, end: int) -> bool:
        """True when [start, end) overlaps a span another component already claimed."""
        return 1 in self.mask[start:end]

    def take(self, start: int, end: int) -> None:
        """Claim [start, end) of the normalised text."""
        self.mask[start:end] = b"\x01" * (end - start)


def state_of(doc: Doc) -> State:
    """The state the normaliser put on `doc` (it must run first)."""
    state = doc.user_data.get(KEY)
    if not isinstance(state, State):
        raise ValueError("the jointsup_normalizer component must run before the others")
    return state


def split_hits(state: State, gaz: Gazetteer) -> None:
    """Sort gazetteer hits into enterprise, region and law hits (departments only shadow)."""
    text = state.norm.text
    for start, end, mask, packed in gaz.matches(text):
        hit = Hit(start, end, mask, packed)
        if mask & _NAMED:
            state.enterprise_hits.append(hit)
        elif mask & _LAW:
            state.law_hits.append(hit)
        elif mask & _DEPARTMENT:
            state.take(start, end)
        elif mask & _TRADE and (not mask & _REGION or quoted(text, start, end)):
            state.enterprise_hits.append(hit)
        elif mask & _REGION:
            state.region_hits.append(hit)


_NAMED = 1 << Kind.NAME | 1 << Kind.FORMER | 1 << Kind.SHORT
_LAW, _DEPARTMENT = 1 << Kind.LAW, 1 << Kind.DEPARTMENT
_TRADE, _REGION = 1 << Kind.TRADE, 1 << Kind.REGION


_OPEN, _CLOSE = "“\"「『‘'【", "”\"」』’'】"


def quoted(text: str, start: int, end: int) -> bool:
    """True when [start, end) stands between quotation marks."""
    return start > 0 and end < len(text) and text[start - 1] in _OPEN and text[end] in _CLOSE
