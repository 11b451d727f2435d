"""JSONL command streams: a path, or `-` for stdin/stdout (which are never closed)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import IO


@contextlib.contextmanager
def open_input(path: str, *, binary: bool = False) -> Iterator[IO]:
    """Read `path`, or stdin for `-` (bytes with `binary`, so bad UTF-8 is per-line data)."""
    if path == "-":
        yield sys.stdin.buffer if binary else sys.stdin
    else:
        with open(path, "rb" if binary else "r", encoding=None if binary else "utf-8") as handle:
            yield handle


@contextlib.contextmanager
def open_output(path: str) -> Iterator[IO[str]]:
    """Write `path`, or stdout for `-` (flushed, not closed)."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
    else:
        with open(path, "w", encoding="utf-8") as handle:
            yield handle


BROKEN_PIPE_EXIT = 128 + 13  # what a shell reports for a tool that SIGPIPE ended


def quiet_broken_pipe() -> int:
    """The reader of stdout went away (`mathreward verify IN.jsonl | head -1`): stop quietly,
    as standard Unix tools do. stdout is pointed at /dev/null so that the interpreter's final
    flush of the buffered rest does not print a second error at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
    return BROKEN_PIPE_EXIT
