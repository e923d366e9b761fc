"""`python -m jointsup.ingest.generate --out DIR --enterprises N --seed S`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from jointsup.ingest.generate import generate


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, generate, print the row counts."""
    parser = argparse.ArgumentParser(prog="python -m jointsup.ingest.generate",
                                     description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--enterprises", type=int, default=20_000, help="number of enterprises")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument("--reference", type=Path, default=None,
                        help="reference data folder (default: the packaged copy)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    summary = generate(args.out, args.enterprises, args.seed, args.reference)
    for name, count in summary.rows.items():
        print(f"{name}\t{count}")
    print(f"done in {time.perf_counter() - started:.1f}s -> {summary.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
