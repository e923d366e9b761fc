"""The linker's spaCy components, registered by name so a config can reorder or replace them.

Each component works on the `State` the normaliser puts in `doc.user_data`; the ones that need
the store's data get it from `bind(resources)`, which `Linker` calls after assembling the
pipeline from its config (jointsup/data/nlp/pipeline.cfg).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.nlp import category, routing
from jointsup.nlp.citations import find_citations
from jointsup.nlp.codes import find_codes
from jointsup.nlp.disambiguate import TradeWords, branch_indices, link_enterprises
from jointsup.nlp.gazetteer import Gazetteer
from jointsup.nlp.normalize import normalize
from jointsup.nlp.places import prefix, resolve_regions
from jointsup.nlp.state import KEY, State, split_hits, state_of
from jointsup.nlp.unknown import find_unknown

TEXT_KEY = "jointsup_text"


@dataclass
class Resources:
    """What components consult: the gazetteer and the store (for routing)."""

    gazetteer: Gazetteer
    store: BaseGraphStore | None = None


class Component:
    """A pipeline step over the linker state; `bind` hands it the resources."""

    resources: Resources | None = None

    def bind(self, resources: Resources) -> None:
        """Attach the gazetteer (and store) this component reads."""
        self.resources = resources

    @property
    def gaz(self) -> Gazetteer:
        """The bound gazetteer."""
        if self.resources is None:
            raise RuntimeError(f"{type(self).__name__} is not bound to a gazetteer (use Linker)")
        return self.resources.gazetteer

    def __call__(self, doc: Doc) -> Doc:
        """Run this step on `doc`."""
        self.run(state_of(doc))
        return doc

    def run(self, state: State) -> None:
        """The step itself."""
        raise NotImplementedError


class Normalizer(Component):
    """Full-width → half-width, zero-width/bidi/control characters out, with an offset map."""

    def __call__(self, doc: Doc) -> Doc:
        """Put a fresh State on `doc` (keeping a received_at the caller set)."""
        received = doc.user_data.get("received_at")
        text = doc.user_data.get(TEXT_KEY)
        doc.user_data[KEY] = self.start(text if isinstance(text, str) else doc.text,
                                        received if isinstance(received, str) else None)
        return doc

    def start(self, text: str, received_at: str | None) -> State:
        """The state the other components work on (`Linker.link` calls this directly)."""
        return State(normalize(text), received_at)


class GazetteerStep(Component):
    """Gazetteer matches sorted into enterprise, region and law hits."""

    def run(self, state: State) -> None:
        """Scan the normalised text once."""
        split_hits(state, self.gaz)


class Codes(Component):
    """Credit codes: valid ones link, failing ones are reported with a suggestion."""

    def run(self, state: State) -> None:
        """Find codes in the normalised text."""
        find_codes(state, self.gaz)


class Places(Component):
    """Regions at their most specific code."""

    def run(self, state: State) -> None:
        """Resolve region hits."""
        resolve_regions(state, self.gaz)


class Laws(Component):
    """Law and article citations, at the version in force on the clue's date."""

    def run(self, state: State) -> None:
        """Resolve law hits and their articles."""
        find_citations(state, self.gaz)


class Disambiguation(Component):
    """Enterprise names, short names and 字号 resolved and scored."""

    def __init__(self, threshold: float) -> None:
        """Links need a score of at least `threshold`."""
        self.threshold = threshold
        self.trade: TradeWords | None = None
        self.branches: frozenset[int] | None = None

    def bind(self, resources: Resources) -> None:
        """Attach the gazetteer, with a fresh memo of its 字号 and its branches."""
        super().bind(resources)
        self.trade = TradeWords(resources.gazetteer)
        self.branches = branch_indices(resources.gazetteer)

    def run(self, state: State) -> None:
        """Score every enterprise hit."""
        link_enterprises(state, self.gaz, self.threshold, self.trade, self.branches)


class Unknown(Component):
    """Unregistered businesses kept as unresolved mentions."""

    def run(self, state: State) -> None:
        """Detect them in the text nothing else claimed."""
        find_unknown(state)


class Category(Component):
    """The complaint category (jointsup.nlp.category.classify)."""

    def run(self, state: State) -> None:
        """Classify the original text."""
        state.result.category = category.classify(state.norm.original)


class Routing(Component):
    """Responsible departments for the category and the respondent's (else the named) region."""

    def run(self, state: State) -> None:
        """Ask routing.route inside one read transaction."""
        store = self.resources.store if self.resources else None
        if store is None:
            return
        region = self._region(state)
        cat = state.result.category

        def read(tx: GraphTx) -> list[dict[str, str]]:
            return routing.route(tx, cat, region)

        state.result.departments = store.read(read)

    def _region(self, state: State) -> str | None:
        gaz = self.gaz
        for ent in state.result.enterprises:
            if ent.uscc and ent.uscc in gaz.by_uscc:
                return gaz.ent_regions[gaz.by_uscc[ent.uscc]] or None
        codes = [r.code for r in state.result.regions]
        return max(codes, key=lambda c: len(prefix(c))) if codes else None


class CharTokenizer:
    """One token per character, like spaCy's Chinese `char` segmenter, in linear time.

    spaCy's ChineseTokenizer aligns its characters back to the text with a search per token,
    which grows quadratically: a megabyte took minutes. Spans here are character offsets anyway.
    """

    def __init__(self, vocab: Vocab) -> None:
        """A tokenizer over `vocab`."""
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        """The Doc of `text`, one token per character (doc.text == text)."""
        words = list(text)
        doc = Doc(self.vocab, words=words, spaces=[False] * len(words))
        doc.user_data[TEXT_KEY] = text  # Doc.text re-joins every token: keep the string
        return doc


class TextTokenizer:
    """A Doc without tokens that carries its text in `doc.user_data` (the linker's default).

    The components never look at tokens, only at character offsets, and building one token per
    character was a third of the time spent per complaint; use `jointsup.char_tokenizer.v1` when
    a component you add needs tokens.
    """

    def __init__(self, vocab: Vocab) -> None:
        """A tokenizer over `vocab`."""
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        """An empty Doc holding `text` for the normaliser."""
        doc = Doc(self.vocab, words=[])
        doc.user_data[TEXT_KEY] = text
        return doc


def make_text_tokenizer() -> Callable[[Language], TextTokenizer]:
    """Registered tokenizer: `@tokenizers = "jointsup.text_tokenizer.v1"` in the config."""

    def create(nlp: Language) -> TextTokenizer:
        return TextTokenizer(nlp.vocab)

    return create


registry.tokenizers.register("jointsup.text_tokenizer.v1", func=make_text_tokenizer)


def make_char_tokenizer() -> Callable[[Language], CharTokenizer]:
    """Registered tokenizer: `@tokenizers = "jointsup.char_tokenizer.v1"` in the config."""

    def create(nlp: Language) -> CharTokenizer:
        return CharTokenizer(nlp.vocab)

    return create


registry.tokenizers.register("jointsup.char_tokenizer.v1", func=make_char_tokenizer)


@Language.factory("jointsup_normalizer")
def make_normalizer(nlp: Language, name: str) -> Normalizer:
    """Factory: normalisation with offset map."""
    return Normalizer()


@Language.factory("jointsup_gazetteer")
def make_gazetteer(nlp: Language, name: str) -> GazetteerStep:
    """Factory: gazetteer scan."""
    return GazetteerStep()


@Language.factory("jointsup_codes")
def make_codes(nlp: Language, name: str) -> Codes:
    """Factory: credit codes."""
    return Codes()


@Language.factory("jointsup_places")
def make_places(nlp: Language, name: str) -> Places:
    """Factory: regions."""
    return Places()


@Language.factory("jointsup_laws")
def make_laws(nlp: Language, name: str) -> Laws:
    """Factory: law citations."""
    return Laws()


@Language.factory("jointsup_disambiguation", default_config={"threshold": 0.5})
def make_disambiguation(nlp: Language, name: str, threshold: float) -> Disambiguation:
    """Factory: enterprise disambiguation."""
    return Disambiguation(threshold)


@Language.factory("jointsup_unknown")
def make_unknown(nlp: Language, name: str) -> Unknown:
    """Factory: unregistered businesses."""
    return Unknown()


@Language.factory("jointsup_category")
def make_category(nlp: Language, name: str) -> Category:
    """Factory: category."""
    return Category()


@Language.factory("jointsup_routing")
def make_routing(nlp: Language, name: str) -> Routing:
    """Factory: routing."""
    return Routing()
