"""Laws and their articles: every version of an act, and the text of each article."""

from __future__ import annotations

import strawberry

from jointsup.model import KEY_SEPARATOR
from jointsup.model import Node as StoreNode
from jointsup.resolvers.relay import Connection, slice_connection
from jointsup.resolvers.types.common import (
    Ctx,
    NodeInterface,
    linked,
    load,
    prop_int,
    prop_str,
)


def _article_number(node: StoreNode) -> int:
    return prop_int(node, "number") or 0


@strawberry.type(description="One version of a law or regulation (法律法规).")
class Law(NodeInterface):
    @strawberry.field(description="Official title.")
    def title(self) -> str:
        return prop_str(self.raw, "title") or ""

    @strawberry.field(description="Version date (ISO).")
    def version(self) -> str:
        return prop_str(self.raw, "version") or ""

    @strawberry.field
    def short_title(self) -> str | None:
        return prop_str(self.raw, "short_title")

    @strawberry.field(description="law, administrative_regulation, department_rule or "
                                  "local_regulation.")
    def rank(self) -> str | None:
        return prop_str(self.raw, "rank")

    @strawberry.field
    def issuer(self) -> str | None:
        return prop_str(self.raw, "issuer")

    @strawberry.field(description="Whether this is the version in force.")
    def current(self) -> bool:
        return bool(self.raw.props.get("current"))

    @strawberry.field(description="Whether the act was repealed (replaced by another act).")
    def repealed(self) -> bool:
        return bool(self.raw.props.get("repealed"))

    @strawberry.field
    def article_count(self) -> int | None:
        return prop_int(self.raw, "article_count")

    @strawberry.field(description="Every version of this law, oldest first.")
    async def versions(self, info: Ctx, first: int | None = None,
                       after: str | None = None) -> Connection[Law]:
        nodes = await info.context.loaders.law_versions.load(prop_str(self.raw, "title") or "")
        return slice_connection(nodes, first, after, lambda n: Law(raw=n))

    @strawberry.field(description="The version (or act) this one supersedes.")
    async def supersedes(self, info: Ctx) -> Law | None:
        nodes = await linked(info, self.raw, "SUPERSEDES", "out", "Law")
        return Law(raw=nodes[0]) if nodes else None

    @strawberry.field(description="The version (or act) that supersedes this one.")
    async def superseded_by(self, info: Ctx) -> Law | None:
        nodes = await linked(info, self.raw, "SUPERSEDES", "in", "Law")
        return Law(raw=nodes[0]) if nodes else None

    @strawberry.field(description="Articles in number order.")
    async def articles(self, info: Ctx, first: int | None = None,
                       after: str | None = None) -> Connection[Article]:
        nodes = sorted(await linked(info, self.raw, "OF_LAW", "in", "Article"),
                       key=_article_number)
        return slice_connection(nodes, first, after, lambda n: Article(raw=n))


@strawberry.type(description="Article (条) of one law version, with its text.")
class Article(NodeInterface):
    @strawberry.field
    def law_title(self) -> str:
        return prop_str(self.raw, "law_title") or ""

    @strawberry.field
    def law_version(self) -> str:
        return prop_str(self.raw, "law_version") or ""

    @strawberry.field
    def number(self) -> int:
        return _article_number(self.raw)

    @strawberry.field
    def chapter(self) -> str | None:
        return prop_str(self.raw, "chapter")

    @strawberry.field
    def section(self) -> str | None:
        return prop_str(self.raw, "section")

    @strawberry.field(description="Every paragraph of the article.")
    def text(self) -> str:
        return prop_str(self.raw, "text") or ""

    @strawberry.field
    async def law(self, info: Ctx) -> Law | None:
        key = KEY_SEPARATOR.join([prop_str(self.raw, "law_title") or "",
                                  prop_str(self.raw, "law_version") or ""])
        node = await load(info, "Law", key)
        return Law(raw=node) if node else None
