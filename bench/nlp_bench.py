"""NLP benchmark: linking throughput on one core with a 1,000,000-enterprise gazetteer.

Targets (issue 4): the gazetteer of 1,000,000 enterprise names builds in at most 20 s within
1.5 GiB (or loads from its cache artifact), and the linker handles at least 2,000 complaints
per second on one core and at least 0.2× the ceiling: a raw Aho-Corasick scan of the same texts
with the same automaton, measured in the same run. Also measured: spaCy's PhraseMatcher against
the automaton on the same names (build and scan), which decided the gazetteer's matcher.

Names come from the generator's name code (jointsup.ingest.generate.names), texts from
templates in the generator's styles (full names, short names, quoted 字号, codes as typed, places,
law citations, unregistered shops). The build runs in a fresh child process, so its peak
memory is its own. Prints one table; writes JSON.

    python -m bench.nlp_bench [--enterprises 1000000] [--texts 20000] [--matcher-names 50000]
                              [--out bench/results/nlp.json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import pickle
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from bench.store_bench import machine
from jointsup.ingest.generate import names as gen_names
from jointsup.ingest.generate.profiles import PROFILES
from jointsup.ingest.generate.reference import County, default_reference_dir, load_regions
from jointsup.ingest.reference.laws import read_laws
from jointsup.ingest.reference.regions import read_regions
from jointsup.nlp.gazetteer import (
    EnterpriseRow,
    Gazetteer,
    GazetteerBuilder,
    LawRow,
    RegionRow,
)
from jointsup.nlp.source import former_region_names, load_artifact

MiB = 1024**2
TARGET_BUILD_S, TARGET_MEMORY, TARGET_RATE, TARGET_RATIO = 20.0, 1.5 * 1024**3, 2000.0, 0.2
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def peak_rss() -> int:
    """This process's peak resident set size in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reference_rows() -> tuple[list[RegionRow], list[LawRow]]:
    """Regions and laws from the bundled reference data, as the store would hold them."""
    ref = default_reference_dir()
    nodes, _ = read_regions(ref / "regions")
    regions = [RegionRow(str(n.props["code"]), str(n.props["name"]), str(n.props["level"]),
                         None if n.props.get("parent_code") is None
                         else str(n.props["parent_code"])) for n in nodes]
    law_nodes, _ = read_laws(ref / "laws")
    laws = [LawRow(str(n.props["title"]), str(n.props["short_title"]), str(n.props["version"]),
                   int(str(n.props["article_count"])), bool(n.props["current"]),
                   bool(n.props["repealed"])) for n in law_nodes if n.label == "Law"]
    return regions, laws


def enterprises(count: int, seed: int) -> list[EnterpriseRow]:
    """`count` enterprises named like the generator names them, with valid credit codes."""
    rng = random.Random(seed)
    counties = load_regions(default_reference_dir()).counties
    lines = [line for p in PROFILES for line in p.lines]
    rows = []
    for index in range(count):
        county: County = rng.choice(counties)
        line = rng.choice(lines)
        if line.shops and rng.random() < 0.35:
            trade = gen_names.owner_trade(rng, rng.choice(gen_names.SURNAMES))
            name, kind = gen_names.individual_name(rng, county, trade,
                                                   rng.choice(line.shops)), "92"
        else:
            name = gen_names.company_name(rng, county, gen_names.trade_name(rng),
                                          rng.choice(line.words))
            kind = "91"
        body = kind + county.code + "".join(rng.choice(ALPHABET) for _ in range(9))
        body = body[:17]
        status = "吊销" if index % 17 == 0 else "存续"
        rows.append(EnterpriseRow(body + stdnum_uscc.calc_check_digit(body), name, county.code,
                                  status))
    return rows


def build(rows: list[EnterpriseRow], regions: list[RegionRow], laws: list[LawRow]) -> Gazetteer:
    """The gazetteer the linker uses, from rows already in memory."""
    builder = GazetteerBuilder()
    builder.regions(regions, former_region_names())
    builder.laws(laws)
    builder.enterprises(rows)
    return builder.build()


TEMPLATES = (
    "{date}在{region}的{short}买了{product}，回家发现已经过期了。希望相关部门依法查处。",
    "消费者来电反映：{full}后厨卫生很差，看到老鼠在灶台边跑。这违反了《食品安全法》第三十四条。",
    "举报线索：{region}“{trade}”的{product}没有明码标价，结账时随口要价。根据价格法第13条，要求赔偿。",
    "投诉：统一社会信用代码为{code}的商家卖的{product}是假货，客服一直拖着不处理。",
    "本人在{shop}买的{product}吃了以后身体不适，怀疑是三无产品，请市场监管部门尽快处理。",
    "{region}{short}发的宣传单上写着“100%纯天然无副作用”，明显是虚假宣传，违反《中华人民共和国广告法》。",
    "热线工单：消费者反映，{full}（信用代码 {code}）的会员卡还没到期就说要闭店装修，"
    "让我们转到别的店消费。按照《消费者权益保护法》第53条，请依法查处。{filler}",
)
FILLER = "我们多次联系商家都没有结果，老人孩子都在等着处理，希望尽快给个说法，谢谢。"


def texts(rows: list[EnterpriseRow], count: int, seed: int) -> list[str]:
    """Complaint texts in the generator's mention styles about enterprises of `rows`."""
    from jointsup.nlp import names as nlp_names

    rng = random.Random(seed)
    counties = load_regions(default_reference_dir()).counties
    out = []
    for _ in range(count):
        row = rng.choice(rows)
        short = nlp_names.short_name(row.name, nlp_names.RegionIndex()) or row.name
        code = row.uscc if rng.random() < 0.7 else " ".join(row.uscc[i:i + 4]
                                                            for i in range(0, 18, 4))
        out.append(rng.choice(TEMPLATES).format(
            date=f"{rng.randint(1, 12)}月{rng.randint(1, 28)}号", region=rng.choice(counties).name,
            short=short[-6:], full=row.name, trade=short[:2], code=code,
            product=rng.choice(("香肠", "奶粉", "面膜", "药品", "白酒")),
            shop=rng.choice(("老李烧烤店", "楼下小超市", "张记水果店")),
            filler=FILLER * rng.randint(0, 3)))
    return out


def _build_child(n: int, seed: int, cache: str, queue: Any) -> None:
    """Child process: generate, build (timed), pickle the cache artifact, report memory."""
    regions, laws = reference_rows()
    rows = enterprises(n, seed)
    before = peak_rss()
    start, cpu = time.perf_counter(), time.process_time()
    gaz = build(rows, regions, laws)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    built_peak = peak_rss()
    start = time.perf_counter()
    with open(cache, "wb") as fh:
        pickle.dump(gaz, fh, protocol=pickle.HIGHEST_PROTOCOL)
    queue.put({"build_s": seconds, "build_cpu_s": cpu, "peak_rss": built_peak,
               "rss_before_build": before,
               "cache_write_s": time.perf_counter() - start,
               "cache_bytes": os.path.getsize(cache),
               "surfaces": len(gaz.automaton)})


def _load_child(cache: str, queue: Any) -> None:
    """Child process: load the cache artifact, report time and memory."""
    start, cpu = time.perf_counter(), time.process_time()
    if load_artifact(Path(cache)) is None:
        raise RuntimeError(f"{cache}: the cache artifact did not load")
    queue.put({"load_s": time.perf_counter() - start, "load_cpu_s": time.process_time() - cpu,
               "peak_rss": peak_rss()})


def in_child(target: Any, *args: Any) -> dict[str, Any]:
    """Run `target(*args, queue)` in a fresh process and return what it reports."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result: dict[str, Any] = queue.get()
    proc.join()
    return result


def matcher_race(rows: list[EnterpriseRow], sample: list[str]) -> dict[str, float]:
    """spaCy PhraseMatcher against pyahocorasick on the same names and texts."""
    import ahocorasick
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("zh")
    names_ = [r.name for r in rows]
    start = time.perf_counter()
    matcher = PhraseMatcher(nlp.vocab)
    matcher.add("ENT", [nlp.make_doc(n) for n in names_])
    pm_build = time.perf_counter() - start
    start = time.perf_counter()
    auto = ahocorasick.Automaton()
    for i, n in enumerate(names_):
        auto.add_word(n, i)
    auto.make_automaton()
    ac_build = time.perf_counter() - start
    start = time.perf_counter()
    pm_hits = sum(len(matcher(nlp.make_doc(t))) for t in sample)
    pm_scan = time.perf_counter() - start
    start = time.perf_counter()
    ac_hits = sum(1 for t in sample for _ in auto.iter(t))
    ac_scan = time.perf_counter() - start
    return {"names": len(names_), "texts": len(sample),
            "phrasematcher_build_s": pm_build, "automaton_build_s": ac_build,
            "phrasematcher_scan_per_s": len(sample) / pm_scan,
            "automaton_scan_per_s": len(sample) / ac_scan,
            "phrasematcher_hits": pm_hits, "automaton_hits": ac_hits}


def throughput(gaz: Gazetteer, sample: list[str], rounds: int = 3) -> dict[str, float]:
    """Linker and raw-scan rates on the same texts, interleaved rounds, best of each: by the
    wall clock and by this process's CPU time (on a shared machine the wall clock also counts
    the time other processes held the core; the CPU ratio moves less)."""
    from jointsup.nlp.linker import Linker

    linker = Linker(gaz, None)
    for t in sample[:200]:
        linker.link(t)
    rates: dict[str, list[float]] = {"ours": [], "raw": [], "ours_cpu": [], "raw_cpu": []}
    auto = gaz.automaton

    def raw_scan() -> None:
        for t in sample:
            for _ in auto.iter(t):
                pass

    def link() -> None:
        for t in sample:
            linker.link(t)

    for _ in range(rounds):
        for name, run in (("raw", raw_scan), ("ours", link)):
            start, cpu = time.perf_counter(), time.process_time()
            run()
            rates[name].append(len(sample) / (time.perf_counter() - start))
            rates[f"{name}_cpu"].append(len(sample) / max(time.process_time() - cpu, 1e-9))
    best = {name: max(values) for name, values in rates.items()}
    return {"linker_per_s": best["ours"], "raw_scan_per_s": best["raw"],
            "ratio": best["ours"] / best["raw"], "linker_cpu_per_s": best["ours_cpu"],
            "raw_scan_cpu_per_s": best["raw_cpu"], "cpu_ratio": best["ours_cpu"] / best["raw_cpu"],
            "mean_chars": sum(map(len, sample)) / len(sample)}


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=1_000_000)
    ap.add_argument("--texts", type=int, default=20_000)
    ap.add_argument("--matcher-names", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cpu", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("bench/results/nlp.json"))
    args = ap.parse_args(argv)
    os.sched_setaffinity(0, {args.cpu})  # one core, children inherit it
    with tempfile.TemporaryDirectory() as tmp:
        cache = str(Path(tmp) / "gazetteer.pickle")
        built = in_child(_build_child, args.enterprises, args.seed, cache)
        loaded = in_child(_load_child, cache)
        rows = enterprises(args.enterprises, args.seed)
        sample = texts(rows, args.texts, args.seed + 1)
        race = matcher_race(rows[: args.matcher_names], sample[:2000])
        gaz = load_artifact(Path(cache))
        if gaz is None:
            raise RuntimeError(f"{cache}: the cache artifact did not load")
        del rows
        rate = throughput(gaz, sample)
    report = {"bench": "nlp_bench",
              "command": "python -m bench.nlp_bench " + " ".join(argv or sys.argv[1:]),
              "date": time.strftime("%Y-%m-%d"), "machine": machine(),
              "enterprises": args.enterprises, "texts": args.texts, "build": built,
              "cache_load": loaded, "matcher": race, "throughput": rate}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    print(render(report))


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _secs(part: dict[str, Any], key: str) -> str:
    """Wall seconds, with the process's CPU seconds when recorded (the machine is shared)."""
    cpu = part.get(f"{key}_cpu_s")
    return f"{part[f'{key}_s']:.1f} s" + (f" ({cpu:.1f} s CPU)" if cpu is not None else "")


def render(result: dict[str, Any]) -> str:
    """The markdown table of one results JSON (older files lack "bench", "date" and parts of
    "machine"; render what exists)."""
    b, lo, t = result["build"], result["cache_load"], result["throughput"]
    lines = [f"| measure ({result['enterprises']:,} enterprises, {b['surfaces']:,} surface "
             "forms) | value | target |", "|---|---|---|",
             f"| gazetteer build | {_secs(b, 'build')} | ≤ {TARGET_BUILD_S:.0f} s — "
             f"{_met(b['build_s'] <= TARGET_BUILD_S)} |",
             f"| peak memory of the build process | {b['peak_rss'] / MiB:,.0f} MiB | ≤ 1,536 MiB "
             f"— {_met(b['peak_rss'] <= TARGET_MEMORY)} |",
             f"| cache artifact: write / load / size | {b['cache_write_s']:.1f} s / "
             f"{_secs(lo, 'load')} / {b['cache_bytes'] / MiB:,.0f} MiB | load ≤ "
             f"{TARGET_BUILD_S:.0f} s — {_met(lo['load_s'] <= TARGET_BUILD_S)} |",
             f"| peak memory loading the cache | {lo['peak_rss'] / MiB:,.0f} MiB | ≤ 1,536 MiB "
             f"— {_met(lo['peak_rss'] <= TARGET_MEMORY)} |",
             f"| linker, complaints/s (one core, mean {t['mean_chars']:.0f} characters) "
             f"| {t['linker_per_s']:,.0f} | ≥ {TARGET_RATE:,.0f} — "
             f"{_met(t['linker_per_s'] >= TARGET_RATE)} |",
             f"| raw Aho-Corasick scan of the same texts, same automaton (ceiling) "
             f"| {t['raw_scan_per_s']:,.0f} texts/s | — |",
             f"| linker / ceiling | **{t['ratio']:.3f}** | ≥ {TARGET_RATIO} — "
             f"{_met(t['ratio'] >= TARGET_RATIO)} |"]
    if "cpu_ratio" in t:  # (recorded since session 5)
        met = t["linker_cpu_per_s"] >= TARGET_RATE and t["cpu_ratio"] >= TARGET_RATIO
        lines += [f"| by CPU time: linker complaints/s; linker / ceiling "
                  f"| {t['linker_cpu_per_s']:,.0f}; **{t['cpu_ratio']:.3f}** "
                  f"| ≥ {TARGET_RATE:,.0f}; ≥ {TARGET_RATIO} — {_met(met)} |"]
    m = result.get("matcher")
    if m:
        lines += [f"| {m['names']:,} names, build: spaCy PhraseMatcher / pyahocorasick "
                  f"| {m['phrasematcher_build_s']:.1f} s / {m['automaton_build_s']:.2f} s | — |",
                  f"| {m['names']:,} names, scan: PhraseMatcher / pyahocorasick "
                  f"| {m['phrasematcher_scan_per_s']:,.0f} / {m['automaton_scan_per_s']:,.0f} "
                  "texts/s | — |"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
