"""The linker's full output on a few thousand texts equals the output recorded earlier.

Speed work on the linking components must not change what they find. The recording
(tests/data/nlp_snapshot/outputs.jsonl.gz) holds, for each text, every field of the result —
enterprise links with explanation and candidates, regions, laws with version, invalid codes,
category — produced by the code of 2026-11-26 before the single-pass changes. The texts are the
benchmark's generated complaints (bench.nlp_bench.texts) about 20,000 generated enterprises, 300
branches (分公司) of some of them and the hand-written development set's 42, complaints about
5,000 other generated businesses the registry does not hold (their trade names and places still
match), complaints naming the branches' parents, the development set's own 123 texts, and
perturbed copies
(zero-width and bidi characters, full-width letters and digits, lower-case codes, spaced codes,
two complaints run together, dates that pick older law versions). Routing needs a store and is
covered by the development-set tests, so departments are not part of it.

An intended change of linking behaviour re-records it (and says so in the commit):

    .venv/bin/python -m tests.unit.test_nlp_linking_snapshot --record
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import json
import random
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import uscc as stdnum_uscc

from bench.nlp_bench import ALPHABET, build, enterprises, reference_rows, texts
from jointsup.ingest.normalize import clean_name, split_list
from jointsup.nlp.gazetteer import EnterpriseRow
from jointsup.nlp.linker import Linker
from jointsup.nlp.names import RegionIndex, short_name
from jointsup.nlp.result import LinkResult

DATA = Path(__file__).parents[1] / "data"
RECORDING = DATA / "nlp_snapshot" / "outputs.jsonl.gz"
DEV = DATA / "nlp_dev"
ZERO_WIDTH = ("\u200b", "\u200d", "\u202e", "\ufeff", "\u2066")
CODE = re.compile(r"[0-9A-Z]{18}")
DATES = (None, "2015-06-01", "2019-01-01T08:00:00+08:00", "2024-05-01")


def dev_enterprises() -> list[EnterpriseRow]:
    """The development set's fixture enterprises, as the store would hand them over."""
    with (DEV / "enterprises.csv").open(encoding="utf-8", newline="") as fh:
        return [EnterpriseRow(r["uscc"], clean_name(r["name"]), r["reg_region_code"],
                              r["status"], tuple(clean_name(n)
                                                 for n in split_list(r["former_names"])))
                for r in csv.DictReader(fh)]


def dev_texts() -> list[tuple[str, str | None]]:
    """The development set's texts with their dates."""
    with (DEV / "dev.jsonl").open(encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh if line.strip()]
    return [(d["text"], d.get("received_at")) for d in docs]


def perturb(rng: random.Random, text: str, other: str) -> str:
    """One way people (and their software) mangle a complaint."""
    how = rng.randrange(7)
    code = CODE.search(text)
    if code and (how == 6 or rng.random() < 0.3):  # a credit code mistyped: one character
        # changed, or two swapped
        at = rng.randrange(code.start(), code.end() - 1)
        typo = (text[at + 1] + text[at] if rng.random() < 0.5
                else rng.choice("0123456789ABCDOIZS") + text[at + 1])
        return text[:at] + typo + text[at + 2:]
    if how == 0:  # invisible characters sprinkled in
        chars = list(text)
        for _ in range(rng.randint(1, 6)):
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(ZERO_WIDTH))
        return "".join(chars)
    if how == 1:  # full-width letters and digits
        return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() and rng.random() < 0.7
                       else c for c in text)
    if how == 2:  # lower case
        return text.lower()
    if how == 3:  # codes spaced, or a character of a code mistyped
        out = []
        for c in text:
            if c.isascii() and c.isalnum() and rng.random() < 0.08:
                out.append(rng.choice(("O", "I", "Z", "S", "7", " ")))
            out.append(c)
        return "".join(out)
    if how == 4:  # two complaints in one
        return text + rng.choice(("\n", "。另外，", "；还有", "")) + other
    # bare articles after the text
    return text + rng.choice(("第二十条第二款", "第五十五条", "第13条", "根据消法第24条"))


BRANCH_TEXTS = ("{short}分公司的工作人员态度恶劣，乱收费。", "我在{short}买的东西是假货。",
                "“{short}”门店不给退款。", "{short}公司的客服不处理投诉。")


def branch_enterprises(rng: random.Random, rows: list[EnterpriseRow]) -> list[EnterpriseRow]:
    """Branches (分公司) of 300 generated companies, in their region or elsewhere (the
    generator makes none): a bare trade name should mean the parent more often."""
    companies = [r for r in rows if r.name.endswith("有限公司")]
    out = []
    for parent in rng.sample(companies, 300):
        region = parent.region_code if rng.random() < 0.5 else rng.choice(rows).region_code
        body = "91" + region + "".join(rng.choice(ALPHABET) for _ in range(9))
        name = parent.name + rng.choice(("营山", "城南", "高新", "第一")) + "分公司"
        out.append(EnterpriseRow(body + stdnum_uscc.calc_check_digit(body), name, region,
                                 rng.choice(("存续", "存续", "注销"))))
    return out


@cache
def cases() -> tuple[list[EnterpriseRow], list[tuple[str, str | None]]]:
    """The registry and the (text, received_at) pairs of the recording."""
    rows = enterprises(20_000, 7) + dev_enterprises()
    rng = random.Random(11)  # noqa: S311  (reproducible cases, not secrets)
    branches = branch_enterprises(rng, rows)
    rows += branches
    generated = texts(rows, 2_400, 8)
    generated += texts(enterprises(5_000, 3), 1_500, 4)  # businesses the registry does not hold
    pairs: list[tuple[str, str | None]] = [(t, rng.choice(DATES)) for t in generated]
    pairs += dev_texts()
    for branch in branches[:200]:  # the parent's name, with and without 分公司 after it
        parent = branch.name.split("有限公司")[0]
        short = short_name(parent, RegionIndex()) or parent
        pairs.append((rng.choice(BRANCH_TEXTS).format(short=short[-6:]), None))
    pool = [t for t, _ in pairs]
    for _ in range(1_500):
        pairs.append((perturb(rng, rng.choice(pool), rng.choice(pool)), rng.choice(DATES)))
    return rows, pairs


@cache
def linker() -> Linker:
    """The linker over the recording's registry and the bundled regions and laws."""
    rows, _ = cases()
    regions, laws = reference_rows()
    return Linker(build(rows, regions, laws), None)


def full(result: LinkResult) -> dict[str, Any]:
    """Every field of a result (more than the CLI contract: explanations, candidates,
    law versions)."""
    out = dataclasses.asdict(result)
    for ent in out["enterprises"]:
        ent["candidates"] = list(ent["candidates"])
    return out


def outputs() -> list[dict[str, Any]]:
    """What the current code gives for every case."""
    link = linker().link
    return [{"text": text, "received_at": at, "out": full(link(text, at))}
            for text, at in cases()[1]]


def recorded() -> list[dict[str, Any]]:
    """The recording."""
    with gzip.open(RECORDING, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_the_recording_covers_every_kind_of_link() -> None:
    outs = [r["out"] for r in recorded()]
    assert len(outs) >= 5_000
    ents = [e for o in outs for e in o["enterprises"]]
    assert sum(e["uscc"] is None for e in ents) >= 500  # unresolved and unregistered
    assert sum(e["uscc"] is not None and e["score"] < 1 for e in ents) >= 500  # disambiguated
    assert sum(bool(o["invalid_codes"]) for o in outs) >= 100
    assert sum(bool(o["laws"]) for o in outs) >= 1_000
    assert sum(bool(o["regions"]) for o in outs) >= 1_000
    assert len({o["category"] for o in outs}) >= 10
    assert sum("分公司" in e["explanation"] for e in ents) >= 10  # branches among candidates


@pytest.mark.slow
def test_linking_output_is_unchanged() -> None:
    want = recorded()
    got = outputs()
    assert [w["text"] for w in want] == [g["text"] for g in got], "the cases changed"
    diff = [(g["text"], w["out"], g["out"]) for w, g in zip(want, got, strict=True)
            if w["out"] != g["out"]]
    assert not diff, f"{len(diff)} of {len(got)} outputs differ; first: {diff[0]}"


def record() -> None:
    """Write the recording from the current code."""
    RECORDING.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(RECORDING, "wt", encoding="utf-8", compresslevel=9) as fh:
        for line in outputs():
            fh.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python -m tests.unit.test_nlp_linking_snapshot --record")
    record()
