"""The linker: a spaCy pipeline (from data/nlp/pipeline.cfg) bound to a store's gazetteer."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import spacy
from spacy.language import Language

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore
from jointsup.nlp import components  # noqa: F401  (registers the factories)
from jointsup.nlp.components import Component, Normalizer, Resources
from jointsup.nlp.gazetteer import Gazetteer
from jointsup.nlp.result import EnterpriseLink, InvalidCode, LawLink, LinkResult, RegionLink
from jointsup.nlp.source import load_or_build
from jointsup.nlp.state import state_of

DEFAULT_MAX_CHARS = 20_000


def default_config() -> Path:
    """The pipeline config shipped in the package."""
    return Path(str(files("jointsup") / "data" / "nlp" / "pipeline.cfg"))


def build_pipeline(config: Path | None = None) -> Language:
    """The spaCy pipeline described by `config` (default: the shipped pipeline.cfg)."""
    cfg = spacy.util.load_config(config or default_config())
    return spacy.util.load_model_from_config(cfg, auto_fill=True, validate=True)


class Linker:
    """Links complaint texts to enterprises, regions, laws, a category and departments."""

    def __init__(self, gazetteer: Gazetteer, store: BaseGraphStore | None = None, *,
                 max_chars: int = DEFAULT_MAX_CHARS, config: Path | None = None) -> None:
        """A linker over `gazetteer`; routing reads `store` (none: no departments)."""
        self.gazetteer = gazetteer
        self.max_chars = max_chars
        self.nlp = build_pipeline(config)
        self.nlp.max_length = max(self.nlp.max_length, max_chars + 1)
        resources = Resources(gazetteer, store)
        for _, proc in self.nlp.pipeline:
            bind = getattr(proc, "bind", None)
            if callable(bind):
                bind(resources)
        # The hot path: when every step is one of ours (normaliser first), `link` hands the
        # state from step to step without a Doc; any other component gets the spaCy Doc path.
        steps = [proc for _, proc in self.nlp.pipeline]
        head = steps[0] if steps else None
        self._normalizer = head if isinstance(head, Normalizer) else None
        self._steps: list[Component] = [p for p in steps[1:] if isinstance(p, Component)]
        if self._normalizer is None or len(self._steps) != len(steps) - 1:
            self._normalizer = None

    @property
    def fast_path(self) -> bool:
        """True when `link` passes the state from step to step without a spaCy Doc."""
        return self._normalizer is not None

    @classmethod
    def from_store(cls, store: BaseGraphStore, *, max_chars: int = DEFAULT_MAX_CHARS,
                   cache_dir: Path | None = None, config: Path | None = None) -> Linker:
        """A linker whose gazetteer holds the store's content (cached under `cache_dir`)."""
        return cls(load_or_build(store, cache_dir), store, max_chars=max_chars, config=config)

    def link(self, text: str, received_at: str | None = None) -> LinkResult:
        """Link one text; `received_at` (ISO date/time) picks the law versions in force."""
        if len(text) > self.max_chars:
            raise InvalidInput(f"text is {len(text)} characters; the limit is {self.max_chars}")
        if self._normalizer is not None:
            state = self._normalizer.start(text, received_at or None)
            for step in self._steps:
                step.run(state)
        else:
            doc = self.nlp.make_doc(text)
            if received_at:
                doc.user_data["received_at"] = received_at
            for _, proc in self.nlp.pipeline:
                doc = proc(doc)
            state = state_of(doc)
        result = state.result
        if len(result.enterprises) > 1:  # (most lists hold one item or none)
            result.enterprises.sort(key=_by_span)
        if len(result.regions) > 1:
            result.regions.sort(key=_by_span)
        if len(result.laws) > 1:
            result.laws.sort(key=_by_span)
        if len(result.invalid_codes) > 1:
            result.invalid_codes.sort(key=_by_span)
        return result


def _by_span(link: EnterpriseLink | RegionLink | LawLink | InvalidCode) -> tuple[int, int]:
    """The order of a result's lists: by where the mention is."""
    return link.start, link.end
