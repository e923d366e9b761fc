"""What a dataset module provides: its columns and a pure row → graph-rows function."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from jointsup.errors import SchemaError
from jointsup.graph.store import BaseGraphStore, Filter, check_prop
from jointsup.ingest.normalize import FieldError
from jointsup.ingest.source import Record
from jointsup.model import Node, NodeRef, Props, Rel


@dataclass(frozen=True)
class Lookup:
    """A relationship to a node known only by a property value (a parent named by its name)."""

    rel_type: str
    src: NodeRef
    label: str
    prop: str
    value: str


@dataclass
class Rows:
    """What one input row becomes: its primary node and everything hanging off it.

    `needs` are (field, node) pairs that must already exist for the row to be accepted;
    `deferred` relationships are written after the whole file (their ends may come later in it).
    """

    primary: Node
    nodes: list[Node] = field(default_factory=list)
    rels: list[Rel] = field(default_factory=list)
    needs: list[tuple[str, NodeRef]] = field(default_factory=list)
    deferred: list[Rel] = field(default_factory=list)
    lookups: list[Lookup] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class LawIndex:
    """Resolves `official title:article number` to the article of the current version."""

    def __init__(self, store: BaseGraphStore) -> None:
        self.current: dict[str, str] = {}
        self.titles: dict[str, str] = {}
        after = None
        while True:
            page = store.list_nodes("Law", first=500, after=after,
                                    filters=[Filter("current", "eq", True)])
            for law in page.items:
                title, short = str(law.props["title"]), str(law.props.get("short_title", ""))
                self.current[title] = str(law.props["version"])
                self.titles[title] = title
                if short:
                    self.titles.setdefault(short, title)
            if not page.has_next:
                break
            after = page.end_cursor
        # A repealed act keeps its articles citable by title (old records cite them).
        for law in store.list_nodes("Law", first=500, filters=[Filter("repealed", "eq", True)]
                                    ).items:
            self.current.setdefault(str(law.props["title"]), str(law.props["version"]))
            self.titles.setdefault(str(law.props["title"]), str(law.props["title"]))

    def article(self, field_name: str, reference: str) -> NodeRef:
        """The Article a `title:number` reference names (short titles and 《》 accepted)."""
        title, sep, number = reference.strip().strip("《》").partition(":")
        title = title.strip().strip("《》")
        if not sep or not number.strip().isdigit():
            raise FieldError(field_name, f"{reference!r} is not `law title:article number`")
        full = self.titles.get(title)
        if full is None:
            raise FieldError(field_name, f"no law titled {title!r} in the store "
                                         "(run `jointsup ingest reference` first?)")
        return NodeRef("Article", f"{full}|{self.current[full]}|{int(number)}")


@dataclass
class Context:
    """What row builders may consult: reference look-ups and the identity-hash key."""

    store: BaseGraphStore
    hash_key: bytes
    successors: dict[str, str]
    _laws: LawIndex | None = None
    # Per-run memo for dataset modules (the clue linker is built once per run, not per row).
    memo: dict[str, object] = field(default_factory=dict)

    @property
    def laws(self) -> LawIndex:
        """The law index, read from the store on first use."""
        if self._laws is None:
            self._laws = LawIndex(self.store)
        return self._laws

    def region(self, field_name: str, code: str) -> tuple[str, str | None]:
        """A region code mapped to its successor when it was replaced: (current, original)."""
        code = code.strip()
        if not code.isdigit() or len(code) not in (6, 9, 12):
            raise FieldError(field_name, f"{code!r} is not a GB/T 2260 region code")
        if code in self.successors:
            return self.successors[code], code
        return code, None

    def person_key(self, person_id: str) -> str:
        """A person's key: a keyed hash of an identity number, or the internal id as given."""
        from stdnum.cn import ric

        pid = person_id.strip().upper()
        # stdnum only changes non-ASCII characters before its check, so an ASCII id without the
        # 18-character shape (an internal id such as P0123456789) cannot be a valid number.
        if pid.isascii() and not _RIC_SHAPE.match(pid):
            return "h:" + self._hash(pid) if len(pid) == 15 and pid.isdigit() else pid
        if ric.is_valid(pid) or (len(pid) == 15 and pid.isdigit()):
            return "h:" + self._hash(pid)
        return pid

    def _hash(self, pid: str) -> str:
        return hmac.new(self.hash_key, pid.encode(), hashlib.sha256).hexdigest()[:32]


_RIC_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
RowBuilder = Callable[[Record, Context], Rows]


@dataclass(frozen=True)
class Dataset:
    """One kind of input file."""

    name: str
    required: tuple[str, ...]
    build: RowBuilder
    optional: tuple[str, ...] = ()
    # Rows that need only look-ups by key while they load (name look-ups wait for the end): a
    # large file may load with the store's secondary indexes suspended (jointsup.ingest.bulk)
    # — those of the node labels it writes, `labels`, and the relationships'.
    bulk: bool = False
    labels: tuple[str, ...] = ()

    def extras(self, fields: dict[str, str]) -> Props:
        """Extra columns, kept as properties under their (valid) names."""
        known = set(self.required) | set(self.optional)
        out: Props = {}
        for name, value in fields.items():
            if name in known or not value:
                continue
            with contextlib.suppress(SchemaError):  # the runner warns once per file instead
                out[check_prop(name)] = value
        return out
