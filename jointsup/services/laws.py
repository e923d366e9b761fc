"""Laws and their versions: the article in force on a date, and the items a law change affects."""

from __future__ import annotations

from dataclasses import dataclass

from jointsup.graph.store import Filter, GraphTx
from jointsup.model import KEY_SEPARATOR, Node, NodeRef


@dataclass(frozen=True)
class AffectedItem:
    """An item whose legal basis cites an article of a superseded or repealed version."""

    item: Node
    article: Node
    cited_version: Node
    current_version: Node | None


def law_versions(tx: GraphTx, law: str) -> list[Node]:
    """Every version of a law named by its official or short title (《》 allowed), oldest first."""
    name = law.strip().strip("《》").strip()
    if not name:
        return []
    for prop in ("title", "short_title"):
        page = tx.list_nodes("Law", filters=[Filter(prop, "eq", name)], order_by="version",
                             first=1000)
        if page.items:
            title = page.items[0].props.get("title")
            if prop == "short_title" and isinstance(title, str):
                return tx.list_nodes("Law", filters=[Filter("title", "eq", title)],
                                     order_by="version", first=1000).items
            return page.items
    return []


def current_version(versions: list[Node]) -> Node | None:
    """The version marked current (the latest one when none is marked), unless repealed."""
    live = [v for v in versions if not v.props.get("repealed")]
    marked = [v for v in live if v.props.get("current")]
    if marked:
        return marked[-1]
    return live[-1] if live else None


def version_on(versions: list[Node], as_of: str | None) -> Node | None:
    """The version in force on `as_of` (latest version date ≤ as_of), else the current one."""
    if as_of is not None:
        earlier = [v for v in versions if str(v.props.get("version", "")) <= as_of]
        if earlier:
            return earlier[-1]
    return current_version(versions) or (versions[-1] if versions else None)


def article(tx: GraphTx, law: str, number: int, as_of: str | None = None) -> Node | None:
    """Article `number` of the version of `law` in force on `as_of` (default: the current one)."""
    version = version_on(law_versions(tx, law), as_of)
    if version is None:
        return None
    key = KEY_SEPARATOR.join([str(version.props["title"]), str(version.props["version"]),
                              str(number)])
    return tx.get_nodes("Article", [key])[0]


def affected_items(tx: GraphTx, law: str) -> list[AffectedItem]:
    """Items with a legal basis in a non-current version of `law` (or in the act, if repealed).

    The current version is the law's own current version, or, for a repealed act, the act that
    supersedes it (`SUPERSEDES`).
    """
    versions = law_versions(tx, law)
    stale = [v for v in versions if not v.props.get("current") or v.props.get("repealed")]
    if not stale:
        return []
    current = current_version(versions)
    if current is None:
        newer = tx.neighbours([v.ref for v in stale], types=["SUPERSEDES"], direction="in")
        successors = sorted((nb.node for nbs in newer.values() for nb in nbs),
                            key=lambda n: str(n.props.get("version", "")))
        current = successors[-1] if successors else None
    articles = tx.neighbours([v.ref for v in stale], types=["OF_LAW"], direction="in",
                             labels=["Article"])
    article_nodes = {nb.node.ref: (nb.node, v) for v in stale for nb in articles[v.ref]}
    cited = tx.neighbours(sorted(article_nodes), types=["LEGAL_BASIS"], direction="in",
                          labels=["SupervisionItem"]) if article_nodes else {}
    found: list[AffectedItem] = []
    for ref, nbs in cited.items():
        art, version = article_nodes[ref]
        found.extend(AffectedItem(nb.node, art, version, current) for nb in nbs)
    return sorted(found, key=lambda a: (a.item.key, _article_order(a.article.ref)))


def _article_order(ref: NodeRef) -> tuple[str, int]:
    title_version, _, number = ref.key.rpartition(KEY_SEPARATOR)
    return (title_version, int(number) if number.isdigit() else 0)
