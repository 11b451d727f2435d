"""JSONL command streams: a path, or `-` for stdin/stdout (which are never closed)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
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


def write_output(command: str, server: str | None, path: str,
                 produce: Callable[[IO[str]], Awaitable[None]]) -> int:
    """Run `produce(out)` on the output stream; 0 when done. With `--server`, a failure of the
    service is one line naming it and exit 1 (a closed stdout and local failures propagate)."""
    try:
        with open_output(path) as out:
            asyncio.run(produce(out))
    except Exception as exc:
        if isinstance(exc, BrokenPipeError) or not server:
            raise
        print(f"mathreward {command}: server {server}: {exc}", file=sys.stderr)
        return 1
    return 0

