"""A bounded, thread-safe LRU cache of verdicts, keyed by (gold, answer, options).

It lives on the pool object (no module-level state), so two pools never share verdicts and a test
gets a fresh cache with a fresh pool.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from verifier.types import Result


class VerdictCache:
    """Least-recently-used map from a grading key to its `Result` (elapsed_s zeroed)."""

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max(0, max_entries)
        self._entries: OrderedDict[Hashable, Result] = OrderedDict()
        self._lock = threading.Lock()  # the sync API and the event loop may use one pool at once
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Result | None:
        with self._lock:
            result = self._entries.get(key)
            if result is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return result

    def put(self, key: Hashable, result: Result) -> None:
        if self._max_entries == 0:
            return
        with self._lock:
            self._entries[key] = result
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
