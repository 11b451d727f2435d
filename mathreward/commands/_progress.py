"""A progress bar on stderr when it is a terminal; nothing (and no tqdm import) otherwise."""

from __future__ import annotations

import sys
from typing import Any, Protocol


class Progress(Protocol):
    def update(self, count: int) -> Any: ...
    def close(self) -> None: ...


class _NoProgress:
    def update(self, count: int) -> None:
        pass

    def close(self) -> None:
        pass


def progress(total: int, unit: str = "item", desc: str | None = None) -> Progress:
    """A tqdm bar counting to `total` on a terminal; a silent stand-in for files and pipes
    (a log file gets no carriage-return noise)."""
    if not sys.stderr.isatty():
        return _NoProgress()
    from tqdm import tqdm

    return tqdm(total=total, file=sys.stderr, unit=unit, desc=desc)
