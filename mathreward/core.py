"""The reward core: admission, limits, deadlines and size checks behind every edge.

The gRPC servicer (and, after the merge, the HTTP gateway) translate requests into calls here
and answers back; nothing in this module imports grpc. What it owns:

- **Admission with atomic reservation** (`Admission`). A request takes its RPC slot and reserves
  its verifier items *synchronously*, in one step with the check, before anything awaits; the
  reservation is released when the work ends (finished, failed or cancelled). The event loop is
  single-threaded, so check-and-take with no await in between cannot interleave: twelve
  simultaneous 4,096-item requests against `max_queued_items` 16,384 admit four and refuse eight
  with `QueueFull` (RESOURCE_EXHAUSTED, retryable) instead of queueing all twelve and answering
  most items with TIMEOUT verdicts (reward 0: a silent wrong reward).
- **A byte budget** for request messages in flight (`Admission.take_bytes`): taken by the edge
  when a message arrives, before it is parsed, released when the call ends.
- **Limits and cheap size checks** (`too_long`, `steps_problem`): length checks only, run before
  any text reaches the verifier or the PRM, so one item can never monopolise either.
- **Deadlines** (`work_deadline`): the call's deadline less the margin needed to answer.
- **The work** (`verify`, `verify_stream`, `score_steps`, `compute_outcomes`), returning domain
  results; `compute_outcomes(items, spec, options, deadline)` is also the HTTP gateway's work
  function.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from mathreward.config import Limits, ServerConfig
from mathreward.errors import (
    DeadlineTooShort,
    Draining,
    InvalidOptions,
    NotConfigured,
    NotReady,
    PrmQueueFull,
    PrmRequired,
    QueueFull,
    TooManyItems,
    TooManyRpcs,
)
from mathreward.metrics import ServiceMetrics
from mathreward.reward_spec import RewardSpec
from mathreward.rewards import PrmPart, RewardItem, RewardOutcome, RewardParts, compute_rewards
from mathreward.rewards import outcome_for as reward_outcome_for
from mathreward.types import StepsItem
from mathreward.wire import count_items
from prm.steps import split_steps
from prm.types import PrmQueueFull as EngineQueueFull
from prm.types import StepScorer
from verifier.pool import VerifierPool
from verifier.types import Result, Verdict, VerifyItem, VerifyOptions

# RPCs whose items go to the verifier queue (ScoreSteps uses the PRM engine's own queue).
VERIFIER_METHODS = frozenset({"VerifyAnswers", "VerifyAnswersStream", "ComputeReward"})


class ServingState:
    """Mutable state shared by every edge of one server: draining flag and what admitted
    requests hold (RPCs, reserved verifier places, request bytes). Every `RewardCore` built on
    the same state shares these counters, so the gRPC and HTTP edges admit against one limit."""

    def __init__(self) -> None:
        self.draining = False
        self.inflight_rpcs = 0
        self.reserved_items = 0
        self.inflight_bytes = 0


class Admission:
    """Counters of what admitted requests hold: RPC slots, verifier items, message bytes.

    Every `take`/`reserve` checks and takes in one synchronous step (no await), so concurrent
    requests on the event loop cannot all pass a check that only one of them fits.
    """

    def __init__(self, limits: Limits, state: ServingState,
                 pending_items: Callable[[], int] = lambda: 0) -> None:
        self._limits = limits
        self._state = state
        self._pending_items = pending_items  # what the pool holds (also from ended requests)

    @property
    def reserved_items(self) -> int:
        return self._state.reserved_items

    @property
    def inflight_bytes(self) -> int:
        return self._state.inflight_bytes

    def take_rpc(self) -> None:
        if self._state.draining:
            raise Draining("server is shutting down; retry on another replica")
        limit = self._limits.max_concurrent_rpcs
        if self._state.inflight_rpcs >= limit:
            raise TooManyRpcs(f"{self._state.inflight_rpcs} RPCs in progress (limit {limit}); "
                              "retry with backoff", limit=limit)
        self._state.inflight_rpcs += 1

    def release_rpc(self) -> None:
        self._state.inflight_rpcs -= 1

    def reserve_items(self, n: int) -> int:
        """Reserve `n` verifier queue places (QueueFull when they do not fit); returns n."""
        if n <= 0:
            return 0
        limit = self._limits.max_queued_items
        # Items of cancelled requests may still run in the pool after their reservation ended:
        # count whichever is larger, so they too keep new work out.
        queued = max(self.reserved_items, self._pending_items())
        if queued + n > limit:
            raise QueueFull(f"{queued} items queued; {n} more would pass the limit of {limit}; "
                            "retry with backoff", limit=limit, queued=queued)
        self._state.reserved_items += n
        return n

    def release_items(self, n: int) -> None:
        self._state.reserved_items -= n

    def take_bytes(self, n: int) -> bool:
        """Take `n` bytes of the in-flight message budget; False (nothing taken) if over it."""
        if self.inflight_bytes + n > self._limits.max_inflight_request_bytes:
            return False
        self._state.inflight_bytes += n
        return True

    def release_bytes(self, n: int) -> None:
        self._state.inflight_bytes -= n


@dataclass
class Ticket:
    """What one admitted request holds; `reserve` adds verifier items to it."""

    admission: Admission
    items: int = 0

    def reserve(self, n: int) -> None:
        self.items += self.admission.reserve_items(n)


@dataclass(frozen=True)
class StepsWork:
    """ScoreSteps after the size checks: the steps of every item, and who was refused why."""

    steps: list[tuple[str, ...]]
    refused: dict[int, str]  # index -> reason (status too_long)
    to_score: list[int]


def byte_length(text: str) -> int:
    """UTF-8 size of `text`, without encoding it when its length alone decides (linear)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


class RewardCore:
    """The service's logic behind the edges (see the module docstring)."""

    def __init__(self, config: ServerConfig, pool: VerifierPool, engine: StepScorer | None,
                 metrics: ServiceMetrics, state: ServingState) -> None:
        self.config = config
        self.limits = config.limits
        self.pool = pool
        self.engine = engine
        self.metrics = metrics
        self.state = state
        self.admission = Admission(config.limits, state, lambda: pool.pending_items)
        self.step_separator = config.prm.step_separator if config.prm is not None else "\n\n"

    # -- admission ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def admit(self, method: str, n_items: int, *, rpc_slot: bool = True) -> Iterator[Ticket]:
        """Admit one request (draining, RPC slot, item count); release all it holds at the end.

        Entered synchronously: the checks and the RPC slot are one step."""
        if self.state.draining:
            raise Draining("server is shutting down; retry on another replica")
        self.check_item_count(n_items)
        if rpc_slot:
            self.admission.take_rpc()
        ticket = Ticket(self.admission)
        self.metrics.batch_size.labels(method=method).observe(n_items)
        self.metrics.inflight_items.labels(method=method).inc(n_items)
        try:
            yield ticket
        finally:
            self.admission.release_items(ticket.items)
            if rpc_slot:
                self.admission.release_rpc()
            self.metrics.inflight_items.labels(method=method).dec(n_items)

    def check_item_count(self, n_items: int) -> None:
        limit = self.limits.max_items_per_request
        if n_items > limit:
            raise TooManyItems(f"{n_items} items in one request; the limit is {limit}: split "
                               "the batch", limit=limit, items=n_items)

    def precheck(self, method: str, raw: bytes) -> None:
        """Refuse, before parsing, a request that admission would refuse anyway: too many
        items, or more verifier items than the queue has room for now (raises ServiceError).
        Not a reservation: the handler still reserves atomically after parsing."""
        count = count_items(raw, max_fields=self.limits.max_items_per_request + 64)
        if not count.complete:
            if count.items > self.limits.max_items_per_request:
                self.check_item_count(count.items)  # at least this many: TOO_MANY_ITEMS
            return  # unknown: the parse and the handler decide
        self.check_item_count(count.items)
        if method in VERIFIER_METHODS and count.items:
            limit = self.limits.max_queued_items
            queued = max(self.admission.reserved_items, self.pool.pending_items)
            if queued + count.items > limit:
                raise QueueFull(f"{queued} items queued; {count.items} more would pass the "
                                f"limit of {limit}; retry with backoff", limit=limit,
                                queued=queued)

    def work_deadline(self, remaining: float | None, n_items: int) -> float | None:
        """Absolute monotonic deadline for the work: the call's, less the margin to answer."""
        if remaining is None or remaining > 1e8:  # no deadline set by the client
            return None
        margin = self.config.deadline_margin_s + self.config.deadline_margin_per_item_s * n_items
        budget = remaining - min(margin, remaining / 2)
        if budget <= 0.001:
            raise DeadlineTooShort(f"the call deadline leaves {remaining * 1e3:.1f} ms; no time "
                                   "to grade anything", remaining_ms=round(remaining * 1e3, 1))
        return time.monotonic() + budget

    # -- cheap size checks ------------------------------------------------------------------------
    def too_long(self, texts: Sequence[str]) -> str | None:
        """Why an item is over the per-text byte limit, or None."""
        limit = self.limits.max_text_bytes
        for text in texts:
            if len(text) > limit or byte_length(text) > limit:
                size = byte_length(text)
                return f"text of {size} bytes is over the server limit of {limit} bytes"
        return None

    def steps_problem(self, problem: str, steps: Sequence[str]) -> str | None:
        """Why a PRM item is over the step limits (count, bytes per step, text), or None."""
        if len(steps) > self.limits.max_steps_per_item:
            return (f"{len(steps)} steps; the server limit is {self.limits.max_steps_per_item} "
                    "steps per item")
        limit = min(self.limits.max_step_bytes, self.limits.max_text_bytes)
        for number, step in enumerate(steps):
            if len(step) > limit or byte_length(step) > limit:
                return (f"step {number}: text of {byte_length(step)} bytes is over the server "
                        f"limit of {limit} bytes per step")
        return self.too_long((problem,))

    # -- VerifyAnswers --------------------------------------------------------------------------
    def plan_verify(self, ticket: Ticket, items: Sequence[VerifyItem]
                    ) -> tuple[list[tuple[int, Result]], list[int]]:
        """Refused (index, RESOURCE_LIMIT result) pairs and indexes to grade (reserved)."""
        refused: list[tuple[int, Result]] = []
        to_grade: list[int] = []
        for index, item in enumerate(items):
            reason = self.too_long((item.response, item.gold))
            if reason is None:
                to_grade.append(index)
            else:
                refused.append((index, Result(Verdict.RESOURCE_LIMIT, reason)))
                self.metrics.items.labels(verdict=Verdict.RESOURCE_LIMIT.value).inc()
        ticket.reserve(len(to_grade))
        return refused, to_grade

    async def verify(self, ticket: Ticket, items: Sequence[VerifyItem], options: VerifyOptions,
                     deadline: float | None) -> list[Result]:
        refused, to_grade = self.plan_verify(ticket, items)
        results: list[Result | None] = [None] * len(items)
        for index, result in refused:
            results[index] = result
        if to_grade:
            graded = await self.pool.averify_many([items[i] for i in to_grade], options, deadline)
            for index, result in zip(to_grade, graded, strict=True):
                results[index] = result
        return results  # type: ignore[return-value]  # every slot is filled above

    async def verify_stream(self, ticket: Ticket, items: Sequence[VerifyItem],
                            options: VerifyOptions, deadline: float | None
                            ) -> AsyncIterator[tuple[int, Result]]:
        """(index, result) pairs as they finish: refused items first."""
        refused, to_grade = self.plan_verify(ticket, items)
        for pair in refused:
            yield pair
        if not to_grade:
            return
        stream = self.pool.averify_stream([items[i] for i in to_grade], options, deadline)
        async with contextlib.aclosing(stream):
            async for position, result in stream:
                yield to_grade[position], result

    # -- ScoreSteps -----------------------------------------------------------------------------
    def require_engine(self) -> StepScorer:
        if self.engine is None:
            raise NotConfigured("this server runs without a PRM (started with --no-prm)")
        if not self.engine.ready:
            raise NotReady("the PRM is still loading; retry shortly")
        return self.engine

    def plan_steps(self, items: Sequence[StepsItem], separator: str) -> StepsWork:
        """Size checks first (cheap), then split responses into steps; nothing reaches the PRM."""
        steps: list[tuple[str, ...]] = []
        refused: dict[int, str] = {}
        to_score: list[int] = []
        for index, item in enumerate(items):
            reason = self.too_long((item.problem, item.response))
            item_steps = item.steps
            if reason is None and not item_steps and item.response:
                item_steps = tuple(split_steps(item.response, separator))
            if reason is None:
                reason = self.steps_problem(item.problem, item_steps)
            steps.append(item_steps)
            if reason is None:
                to_score.append(index)
            else:
                refused[index] = reason
        return StepsWork(steps, refused, to_score)

    async def score(self, work: list[tuple[str, Sequence[str]]], deadline: float | None
                    ) -> list[Any] | None:
        """The engine's StepScores per work item; None when the deadline passed first."""
        engine = self.require_engine()
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            return await asyncio.wait_for(engine.score_many(work), timeout)
        except TimeoutError:
            return None
        except EngineQueueFull as exc:
            raise PrmQueueFull(f"the PRM queue is full ({exc}); retry with backoff",
                               queued=engine.pending_items) from None

    # -- ComputeReward --------------------------------------------------------------------------
    async def compute_outcomes(self, items: Sequence[RewardItem], spec: RewardSpec,
                               options: VerifyOptions, deadline: float | None
                               ) -> list[RewardOutcome]:
        """The HTTP gateway's work function: limits, atomic item reservation, `compute_rewards`.

        Takes no RPC slot (the gateway has its own connection limits), only verifier places."""
        with self.admit("ComputeRewardHttp", len(items), rpc_slot=False) as ticket:
            return await self.compute(ticket, items, spec, options, deadline)

    async def compute(self, ticket: Ticket, items: Sequence[RewardItem], spec: RewardSpec,
                      options: VerifyOptions, deadline: float | None) -> list[RewardOutcome]:
        """ComputeReward's work for an admitted request.

        A spec that needs the PRM on a server without one is PrmRequired (FAILED_PRECONDITION),
        before any work; a text (or a step list) over the limits is that item's RESOURCE_LIMIT
        verdict (its PRM term 0); a full verifier or PRM queue is RESOURCE_EXHAUSTED.
        """
        if self.state.draining:
            raise Draining("server is shutting down; retry on another replica")
        engine = None
        if spec.needs_prm:
            if self.engine is None:
                raise PrmRequired(f"reward spec {spec.label!r} needs the PRM, but this server "
                                  "runs without one; use an ORM-only spec such as 'orm'",
                                  spec=spec.label[:200])
            engine = self.require_engine()  # NotReady while loading
        outcomes: list[RewardOutcome | None] = [None] * len(items)
        work: list[int] = []
        for index, item in enumerate(items):
            reason = self.too_long((item.response, item.gold, item.problem))
            if reason is None and spec.needs_prm:
                reason = self.steps_problem(item.problem, item.steps)
            if reason is None:
                work.append(index)
                continue
            prm = PrmPart(reason=f"not scored: {reason}") if spec.needs_prm else None
            parts = RewardParts(result=Result(Verdict.RESOURCE_LIMIT, reason), prm=prm)
            outcomes[index] = reward_outcome_for(spec, item.id, parts)
            self.metrics.items.labels(verdict=Verdict.RESOURCE_LIMIT.value).inc()
        ticket.reserve(len(work))
        computed = await self._compute_or_map(engine, [items[i] for i in work], spec, options,
                                              deadline) if work else []
        for index, outcome in zip(work, computed, strict=True):
            outcomes[index] = outcome
        for outcome in outcomes:  # the spec was checked to give finite rewards; make sure
            if outcome is None or not math.isfinite(outcome.reward):
                raise InvalidOptions(f"reward spec {spec.label[:200]!r} gives a non-finite "
                                     "reward", field="spec")
        return outcomes  # type: ignore[return-value]  # every slot is filled above

    async def _compute_or_map(self, engine: StepScorer | None, items: list[RewardItem],
                              spec: RewardSpec, options: VerifyOptions,
                              deadline: float | None) -> list[RewardOutcome]:
        """`compute_rewards`, with the engine's queue-full turned into PrmQueueFull."""
        try:
            return await compute_rewards(items, spec, options, self.pool, engine, deadline,
                                         step_separator=self.step_separator,
                                         observer=self.metrics)
        except EngineQueueFull as exc:
            assert engine is not None  # only the engine raises it
            raise PrmQueueFull(f"the PRM queue is full ({exc}); retry with backoff",
                               queued=engine.pending_items) from None
