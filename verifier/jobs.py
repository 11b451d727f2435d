"""One grading job of the worker pool, and how a finished one is handed back to its caller.

A job is one unique (response, gold, options) of a batch (duplicates share it). Its `future`
resolves to the `Result`; a caller that gives up cancels the future (`Dispatcher.cancel`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError

from verifier.types import Result, VerifyOptions


class PoolClosedError(RuntimeError):
    """The pool is not running (never started, or closed): a request-level failure."""


class JobState(enum.Enum):
    QUEUED = 1  # in the dispatcher's own queue
    RUNNING = 2  # handed to pebble (in its pipe or on a worker)
    DROPPED = 3  # cancelled while queued: never runs


class Job:
    """One unique (response, gold, options) to grade; `future` resolves to its `Result`."""

    __slots__ = (
        "response",
        "gold",
        "options",
        "extracted",
        "plain",
        "future",
        "state",
        "task",
        "graded",
        "attempts",
        "listener",
    )

    def __init__(
        self,
        response: str,
        gold: str,
        options: VerifyOptions,
        extracted: str | None,
        plain: bool = False,
    ) -> None:
        self.response = response
        self.gold = gold
        self.options = options
        self.extracted = extracted  # the parent's extraction, reported when the worker is killed
        self.plain = plain  # may share a chunk task with other plain jobs
        self.future: Future[Result] = Future()
        self.state = JobState.QUEUED
        self.task: Future | None = None  # the pebble future of a single-job task while RUNNING
        self.graded = False  # True when a worker produced the result (cacheable, unlike a kill)
        self.attempts = 0  # re-runs after the pebble pool under it broke or stalled
        # Called (from a pool thread) with the list of jobs of one finished task that share it.
        self.listener: Callable[[list[Job]], None] | None = None


Outcome = tuple[Job, Result | Exception]


def resolve(outcomes: list[Outcome]) -> None:
    """Settle each job's future (unless its request cancelled it), then wake each listener once
    with its jobs: one wake-up of the event loop per finished task, not per item."""
    by_listener: dict[int, tuple[Callable[[list[Job]], None], list[Job]]] = {}
    for job, outcome in outcomes:
        try:
            if isinstance(outcome, Exception):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)
        except InvalidStateError:
            continue  # cancelled by its request
        if job.listener is not None:
            by_listener.setdefault(id(job.listener), (job.listener, []))[1].append(job)
    for listener, jobs in by_listener.values():
        listener(jobs)
