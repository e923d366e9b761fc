"""Parse the GB/T 2260 region CSVs (provinces, cities, areas, streets) into Region nodes."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jointsup.errors import IngestError
from jointsup.model import Node, NodeRef, Props, RegionLevel, Rel, make_node

# Pseudo-units that group real places but are not places themselves (e.g. Chongqing's 5001/5002).
PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True)
class _Row:
    """One region row: its full code and the codes of its ancestors, nearest first."""

    code: str
    name: str
    level: RegionLevel
    ancestors: tuple[str, ...]

    @property
    def placeholder(self) -> bool:
        """True for a non-place grouping unit such as 市辖区."""
        return self.name in PLACEHOLDER_NAMES


def read_regions(root: Path) -> tuple[list[Node], list[Rel]]:
    """Region nodes for every row under `root` and `PART_OF` rels from child to parent."""
    rows = [*_provinces(root), *_cities(root), *_counties(root), *_townships(root)]
    by_code: dict[str, _Row] = {}
    for row in rows:
        if row.code in by_code:
            raise IngestError(f"duplicate region code {row.code}", path=str(root), field="code")
        by_code[row.code] = row
    parents = {row.code: _parent(row, by_code, root) for row in rows}
    nodes = [make_node("Region", _props(row, by_code, parents)) for row in rows]
    rels = [Rel("PART_OF", node.ref, NodeRef("Region", parent))
            for node in nodes if (parent := parents[node.key]) is not None]
    return nodes, rels


def _parent(row: _Row, by_code: dict[str, _Row], root: Path) -> str | None:
    """The nearest ancestor present in the files, so a gap in one level does not orphan a row."""
    for code in row.ancestors:
        if code in by_code:
            return code
    if row.ancestors:
        raise IngestError(f"region {row.code} has no ancestor in the files", path=str(root))
    return None


def _props(row: _Row, by_code: dict[str, _Row], parents: dict[str, str | None]) -> Props:
    """The stored properties of one region."""
    chain = [row]
    while (up := parents[chain[-1].code]) is not None:
        chain.append(by_code[up])
    return {
        "code": row.code,
        "name": row.name,
        "level": row.level.value,
        "parent_code": parents[row.code],
        "province_code": chain[-1].code,
        "placeholder": row.placeholder,
        "full_name": "".join(r.name for r in reversed(chain) if not r.placeholder),
    }


def _read(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, list[str]]]:
    """The requested columns of each data row, with its line number (header is line 1)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise IngestError("missing column", path=str(path), line=1, field=missing[0])
        for line, record in enumerate(reader, start=2):
            values = [(record.get(c) or "").strip() for c in columns]
            if not all(values):
                raise IngestError("empty value", path=str(path), line=line)
            yield line, values


def _digits(path: Path, line: int, value: str, width: int) -> str:
    """`value` checked to be a `width`-digit code."""
    if len(value) != width or not value.isdigit():
        raise IngestError(f"expected a {width}-digit code, got {value!r}", path=str(path),
                          line=line, field="code")
    return value


def _provinces(root: Path) -> Iterator[_Row]:
    """Province rows; their 2-digit codes are padded to 6 digits."""
    path = root / "provinces.csv"
    for line, (code, name) in _read(path, ("code", "name")):
        yield _Row(_digits(path, line, code, 2) + "0000", name, RegionLevel.PROVINCE, ())


def _cities(root: Path) -> Iterator[_Row]:
    """Prefecture rows; their 4-digit codes are padded to 6 digits."""
    path = root / "cities.csv"
    for line, (code, name, prov) in _read(path, ("code", "name", "provinceCode")):
        yield _Row(_digits(path, line, code, 4) + "00", name, RegionLevel.CITY,
                   (_digits(path, line, prov, 2) + "0000",))


def _counties(root: Path) -> Iterator[_Row]:
    """County rows, keeping their 6-digit codes."""
    path = root / "areas.csv"
    for line, (code, name, city, prov) in _read(path, ("code", "name", "cityCode",
                                                        "provinceCode")):
        city_code = _digits(path, line, city, 4) + "00"
        if code == city_code:
            # A prefecture without counties (东莞市 441900) is listed again as its own county;
            # one node stands for both, so parents and keys stay unambiguous.
            continue
        yield _Row(_digits(path, line, code, 6), name, RegionLevel.COUNTY,
                   (city_code, _digits(path, line, prov, 2) + "0000"))


def _townships(root: Path) -> Iterator[_Row]:
    """Township rows (streets), keeping their 9-digit codes."""
    path = root / "streets_50_51.csv"
    columns = ("code", "name", "areaCode", "cityCode", "provinceCode")
    for line, (code, name, area, city, prov) in _read(path, columns):
        yield _Row(_digits(path, line, code, 9), name, RegionLevel.TOWNSHIP,
                   (_digits(path, line, area, 6), _digits(path, line, city, 4) + "00",
                    _digits(path, line, prov, 2) + "0000"))
