"""The committed schema.graphql is exactly what the code exports (no drift)."""

from __future__ import annotations

from pathlib import Path

from jointsup.resolvers.export import DEFAULT_PATH, schema_sdl


def test_schema_graphql_matches_the_code() -> None:
    committed = DEFAULT_PATH.read_text(encoding="utf-8")
    assert committed == schema_sdl(), (
        "schema.graphql is out of date: run `python -m jointsup.resolvers.export`")


def test_export_writes_the_sdl(tmp_path: Path) -> None:
    from jointsup.resolvers.export import main

    target = tmp_path / "schema.graphql"
    main([str(target)])
    assert target.read_text(encoding="utf-8") == schema_sdl()
    assert "type Query" in schema_sdl()
    assert "interface Node" in schema_sdl()


def test_check_compares_without_writing(tmp_path: Path) -> None:
    from jointsup.resolvers.export import main

    target = tmp_path / "schema.graphql"
    assert main(["--check", str(target)]) == 1  # missing
    target.write_text("type Query { stale: Int }\n", encoding="utf-8")
    assert main(["--check", str(target)]) == 1
    assert target.read_text(encoding="utf-8") == "type Query { stale: Int }\n"
    assert main([str(target)]) == 0
    assert main(["--check", str(target)]) == 0
    assert main(["--bogus"]) == 2  # an option is never taken for a file name
