"""Settings come from an injected mapping; bad values are refused with the variable's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from jointsup.config import Settings
from jointsup.errors import ConfigError


def test_defaults_need_no_server() -> None:
    settings = Settings.from_env({})
    assert settings.store == "embedded"
    assert settings.embedded_path == Path("jointsup-data") / "graph.sqlite"


def test_environment_and_overrides() -> None:
    env = {"JOINTSUP_STORE": "neo4j", "JOINTSUP_NEO4J_URI": "neo4j://db:7687",
           "JOINTSUP_BATCH_SIZE": "250", "JOINTSUP_DATA_DIR": "/srv/js"}
    settings = Settings.from_env(env, data_dir="/srv/other")
    assert (settings.store, settings.neo4j_uri, settings.batch_size) == (
        "neo4j", "neo4j://db:7687", 250)
    assert settings.data_dir == Path("/srv/other")


@pytest.mark.parametrize(("env", "overrides", "message"), [
    ({"JOINTSUP_STORE": "mysql"}, {}, "JOINTSUP_STORE"),
    ({}, {"store": "mysql"}, "the store must be"),
    ({"JOINTSUP_BATCH_SIZE": "many"}, {}, "JOINTSUP_BATCH_SIZE must be a number"),
    ({"JOINTSUP_TX_TIMEOUT": "-1"}, {}, "JOINTSUP_TX_TIMEOUT must be positive"),
])
def test_bad_settings_are_refused(env: dict[str, str], overrides: dict[str, object],
                                  message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env, **overrides)
