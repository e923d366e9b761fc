"""One error root for the project; every error carries a stable code that API layers map."""

from __future__ import annotations


class JointsupError(Exception):
    """Root of every error the project raises on purpose."""

    code = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(JointsupError):
    """A setting is missing or malformed."""

    code = "CONFIG"


class SchemaError(JointsupError):
    """A label, relationship type or property is not in the domain model's allow-list."""

    code = "SCHEMA"


class NotFound(JointsupError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    code = "NOT_FOUND"


class InvalidInput(JointsupError):
    """A caller's argument is malformed (bad cursor, bad filter, limit out of range)."""

    code = "INVALID_INPUT"


class StoreUnavailable(JointsupError):
    """The graph store cannot be reached or did not answer in time."""

    code = "STORE_UNAVAILABLE"


class IngestError(JointsupError):
    """A source file cannot be ingested at all (structural error); nothing was written."""

    code = "INGEST_REFUSED"

    def __init__(self, message: str, *, path: str, line: int | None = None,
                 field: str | None = None) -> None:
        where = path if line is None else f"{path}:{line}"
        if field:
            where += f" [{field}]"
        super().__init__(f"{where}: {message}")
        self.path, self.line, self.field = path, line, field
