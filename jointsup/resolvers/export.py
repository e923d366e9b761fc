"""Write the schema's SDL to schema.graphql: `python -m jointsup.resolvers.export [--check] [PATH]`
(`--check`: write nothing, exit 1 if the file differs from the code's schema)."""

from __future__ import annotations

import sys
from pathlib import Path

from jointsup.resolvers.schema import build_schema

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "schema.graphql"


def schema_sdl() -> str:
    """The SDL of the schema served at /graphql, as committed in schema.graphql."""
    return build_schema().as_str().rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Export the SDL (to the repository's schema.graphql unless a path is given), or with
    `--check` compare it; any other option is an error rather than a file name."""
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    paths = [a for a in args if a != "--check"]
    if len(paths) > 1 or any(a.startswith("-") for a in paths):
        print("usage: python -m jointsup.resolvers.export [--check] [PATH]", file=sys.stderr)
        return 2
    path = Path(paths[0]) if paths else DEFAULT_PATH
    sdl = schema_sdl()
    if check:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != sdl:
            print(f"{path} differs from the schema in code: run "
                  "python -m jointsup.resolvers.export", file=sys.stderr)
            return 1
        print(f"{path} matches the schema in code")
        return 0
    path.write_text(sdl, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
