"""The PRM's contracts, importable without torch: config, step statuses and scores, errors, and
the `StepScorer` interface the service programs against (`prm.engine.PrmEngine` implements it).

The service (`mathreward/`) imports these at module level; only the engine and the formats
import torch (checked by the import-linter contracts in pyproject.toml).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


def default_threads() -> int:
    """torch intra-op threads for CPU inference: the cores this process may run on
    (sched_getaffinity: a container's or taskset's share, not the host's count), less one for
    the encode thread and the event loop, which otherwise fight the intra-op pool for the same
    cores (bench/prm_engine.py --threads-table measures it)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


@dataclass(frozen=True)
class PrmConfig:
    # None = bundled prm/weights; else a directory or a Hugging Face model id in the local cache
    model_path: str | None = None
    device: str = "auto"  # "auto" | "cpu" | "cuda" | "cuda:N"
    max_batch_size: int = 64
    # Padded tokens per forward. The bundled model is compute-bound per token and one request
    # already fills a GEMM (~110 rows); past ~2k tokens the activations leave the CPU's cache and
    # a token costs more, not less (bench/prm_engine.py). Raise it on CUDA.
    max_batch_tokens: int = 2048
    max_wait_ms: float = 5.0
    # Wait for company only while a forward is running: a request that finds the inference
    # thread idle goes at once (continuous batching), so a lone caller does not pay max_wait_ms.
    dispatch_when_idle: bool = True
    # Start a new micro-batch rather than pad more than this many tokens to join the current one:
    # one forward's fixed cost is worth ~300 tokens of compute on the CPU (bench/prm_engine.py),
    # and padded tokens cost as much as real ones.
    max_pad_tokens: int = 256
    max_queue_items: int = 4096
    step_separator: str = "\n\n"
    # Encoding (tokenizer + the bundled model's Python arithmetic checks, ~2 ms per solution)
    # holds the GIL that the batcher and the inference thread also need. N > 0 runs it on N
    # worker processes (a request's items are split across them); 0 = one helper thread here.
    # Worth it where cores are spare, e.g. a GPU host, where the forward no longer dominates.
    encode_processes: int = 0
    # torch intra-op threads (CPU inference); None = default_threads(). Process-wide in torch.
    threads: int | None = None
    # Items per encode job: a request's items are encoded in jobs of this size, one after the
    # other, so another request's items get the encode thread between two jobs.
    encode_chunk: int = 8


class StepStatus(enum.Enum):
    OK = "ok"
    TOO_LONG = "too_long"
    NO_STEPS = "no_steps"
    ERROR = "error"


@dataclass(frozen=True)
class StepScores:
    scores: tuple[float, ...]
    status: StepStatus
    reason: str = ""


class PrmError(Exception):
    """Base of the PRM engine's errors."""


class PrmQueueFull(PrmError):
    """The bounded queue cannot take the whole request; retry with backoff."""


class PrmNotReady(PrmError):
    """`start()` has not finished (or `close()` was called)."""


class PrmFormatError(Exception):
    """A checkpoint directory that no format adapter can load (missing or inconsistent files)."""


class StepScorer(Protocol):
    """What the service needs from a PRM: batched step scores, readiness, queue depth."""

    @property
    def ready(self) -> bool: ...

    @property
    def pending_items(self) -> int: ...

    async def start(self) -> None: ...

    async def score_many(self, items: Sequence[tuple[str, Sequence[str]]]
                         ) -> list[StepScores]: ...

    async def close(self) -> None: ...
