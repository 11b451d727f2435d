"""Structured logs: one JSON object per line, carrying the request id of the RPC being served.

The interceptor sets `REQUEST_ID` (a ContextVar, so it is per asyncio task, not global state) for
the duration of each RPC; `RequestIdFilter` copies it onto every record logged meanwhile, so the
servicer's log lines and the per-RPC access line share one id. Bad items are never logged with a
stack trace: they are verdicts, not errors.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("mathreward_request_id",
                                                                 default="-")

# Attributes every LogRecord has; anything else was passed with `extra=` and goes into the JSON.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "request_id"}


MAX_REQUEST_ID_CHARS = 128
MAX_LOGGED_VALUE_CHARS = 1000
# Every C0/C1 control character, DEL, and the Unicode line/paragraph separators: any of them in a
# client-supplied value could end a log line and forge the next one in the text format.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape(value: object, limit: int = MAX_LOGGED_VALUE_CHARS) -> str:
    """`value` as one safe log token: control characters as \\xNN / \\uNNNN, cut to `limit`."""
    text = str(value)
    if len(text) > limit:
        text = f"{text[:limit]}...[{len(text) - limit} more]"
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def safe_request_id(given: str | None) -> str:
    """The client's x-request-id, escaped and capped, or a fresh id when none was given."""
    if not given:
        return uuid.uuid4().hex[:16]
    return escape(given, MAX_REQUEST_ID_CHARS)


class RequestIdFilter(logging.Filter):
    """Adds `record.request_id` from the current RPC's context."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "msg", "request_id", ...extra}`; tracebacks as one field."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """`TIME LEVEL LOGGER [request id] message key=value...`, one line per record.

    The message and every `extra=` value are escaped (`escape`), so a CRLF or other control
    character in a client-supplied value (request id, preset name, peer) cannot forge a line;
    only a traceback, which comes from the server itself, spans several lines (indented).
    """

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        safe = logging.makeLogRecord(vars(record))
        safe.msg, safe.args = escape(record.getMessage()), None
        safe.request_id = escape(getattr(record, "request_id", "-"), MAX_REQUEST_ID_CHARS)
        safe.exc_info, safe.exc_text, safe.stack_info = None, None, None
        line = super().format(safe)
        extras = [f"{key}={escape(value, 300)}" for key, value in vars(record).items()
                  if key not in _STANDARD_ATTRS and not key.startswith("_")]
        if extras:
            line = f"{line} {' '.join(extras)}"
        if record.exc_info:
            trace = self.formatException(record.exc_info)
            line += "\n" + "\n".join("    " + escape(part) for part in trace.splitlines())
        return line


def configure_logging(fmt: str = "json", level: str = "INFO") -> None:
    """Route the root logger to stderr in `fmt` ("json" or "text"). Called once by the CLI."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
