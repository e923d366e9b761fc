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


MAX_MESSAGE_CHARS = 400  # an error message longer than this is cut in its middle


def elide(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text`, or when longer than `limit` characters its start and end around a marker saying
    how much was cut: error messages may quote a caller's input (a 100,000-character value for
    a Date), and an error should not echo it back whole (nor fill a log line with it)."""
    if len(text) <= limit:
        return text
    room = max(limit - 40, 2)  # the marker takes at most 40 characters
    head, tail = room * 3 // 4, room - room * 3 // 4
    cut = len(text) - head - tail
    return f"{text[:head]}…[{cut:,} characters elided]…{text[len(text) - tail:]}"
