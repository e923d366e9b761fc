"""A deterministic synthetic Sichuan–Chongqing supervision dataset (川渝模拟数据) with truth.

`generate(out, enterprises, seed)` writes enterprises, people, departments, supervision items,
implementations, officers, inspections, list entries, credit classes and clues (with gold
annotations) as CSV, plus `truth.json` for the planted patterns and `manifest.json`.
"""

from jointsup.ingest.generate.pipeline import VERSION, GenerationSummary, generate

__all__ = ["VERSION", "GenerationSummary", "generate"]
