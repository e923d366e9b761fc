"""Write the schema's SDL to schema.graphql: `python -m jointsup.resolvers.export [PATH]`."""

from __future__ import annotations

import sys
from pathlib import Path

from jointsup.resolvers.schema import build_schema

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "schema.graphql"


def schema_sdl() -> str:
    """The SDL of the schema served at /graphql, as committed in schema.graphql."""
    return build_schema().as_str().rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> None:
    """Export the SDL (to the repository's schema.graphql unless a path is given)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PATH
    path.write_text(schema_sdl(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
