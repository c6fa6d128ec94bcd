"""Logging for every command: readable lines for a terminal, or JSON lines for a log collector, on stderr.

Fields that belong to a whole piece of work (a request's id, the integration a task syncs) are bound once with
`bind` and added to every record logged inside it, whichever module logs.
"""

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers that repeat, per HTTP call, what our request and sync logs say, or chatter at every start.
QUIET = ("httpx", "httpcore", "werkzeug", "alembic.runtime.plugins")

_bound: ContextVar[dict[str, Any]] = ContextVar("jobmatch_log_fields", default={})
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}


@contextmanager
def bind(**fields: Any) -> Iterator[None]:
    """Add these fields to every record logged in this context (thread or task)."""
    token = push(**fields)
    try:
        yield
    finally:
        pop(token)


def push(**fields: Any) -> Token[dict[str, Any]]:
    """`bind` for work whose start and end are two callbacks (a request's); `pop` the token at the end."""
    return _bound.set(_bound.get() | fields)


def pop(token: Token[dict[str, Any]]) -> None:
    _bound.reset(token)


def configure(log_format: str, level: str) -> None:
    """Send the root logger's records to stderr in `log_format` (text or json) from `level` up. Calling it again
    replaces what an earlier call installed."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else _TextFormatter(TEXT_FORMAT))
    handler.addFilter(_add_bound_fields)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the exception if any, and every extra field."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= _extra(record)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _TextFormatter(logging.Formatter):
    """The classic line, with extra fields appended as key=value so nothing is lost on a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = _extra(record)
        if not extra:
            return line
        first, newline, rest = line.partition("\n")
        fields = " ".join(f"{key}={value}" for key, value in extra.items())
        return f"{first} [{fields}]{newline}{rest}"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record is emitted (test runners and click swap it)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _add_bound_fields(record: logging.LogRecord) -> bool:
    for key, value in _bound.get().items():
        if not hasattr(record, key):
            setattr(record, key, value)
    return True


def _extra(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in record.__dict__.items() if key not in _STANDARD and not key.startswith("_")}
