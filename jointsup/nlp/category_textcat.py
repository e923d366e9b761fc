"""The alternative to the category rules: a spaCy text classifier trained on generated clues.

`spacy.blank("zh")` segments into characters; a bag-of-character-n-grams `textcat` (exclusive
classes) is trained from (text, category) pairs, e.g. the generator's clues.csv and
clues_gold.jsonl. Used to measure against category.classify on the hand-written set (docs/nlp.md,
## Evaluation); the rules measured better, so the linker does not load this.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import spacy
from spacy.language import Language
from spacy.training import Example
from thinc.api import fix_random_seed

from jointsup.nlp.category import CATEGORIES

BOW = {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 2,
       "no_output_layer": False, "length": 262144}


def train_textcat(pairs: Sequence[tuple[str, str]], *, epochs: int = 10, seed: int = 0
                  ) -> Language:
    """A blank Chinese pipeline with a textcat trained on (text, category) pairs."""
    fix_random_seed(seed)
    nlp = spacy.blank("zh")
    textcat = nlp.add_pipe("textcat", config={"model": BOW})
    for label in CATEGORIES:
        textcat.add_label(label)  # type: ignore[attr-defined]
    examples = [Example.from_dict(nlp.make_doc(text), {
        "cats": {c: float(c == cat) for c in CATEGORIES}}) for text, cat in pairs]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)  # noqa: S311  (shuffles training data; no secret involved)
    for _ in range(epochs):
        rng.shuffle(examples)
        for i in range(0, len(examples), 32):
            nlp.update(examples[i:i + 32], sgd=optimizer, drop=0.1)
    return nlp


def predict(nlp: Language, text: str) -> str:
    """The most probable category of a text."""
    cats = nlp(text).cats
    return max(cats, key=lambda c: cats[c]) if cats else "其他"
