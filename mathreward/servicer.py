"""RPC handlers of `mathreward.v1.RewardService`: admit -> validate -> delegate -> convert.

No grading or scoring logic lives here: the verifier pool grades, the PRM engine scores, and
`convert.py` translates. Each handler runs inside `_rpc()`, which refuses work while draining or
over the concurrency limit, checks the item limit, counts in-flight items, and turns any
`ServiceError` into its gRPC status with ErrorInfo (errors.STATUS_TABLE).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

import grpc

from mathreward import convert
from mathreward._pb import reward_pb2 as pb
from mathreward._pb import reward_pb2_grpc
from mathreward.config import ServerConfig
from mathreward.errors import (
    DeadlineTooShort,
    Draining,
    NotConfigured,
    NotReady,
    PrmQueueFull,
    PrmRequired,
    QueueFull,
    ServiceError,
    TooManyItems,
    TooManyRpcs,
    abort_with,
    status_of,
)
from mathreward.logs import REQUEST_ID
from mathreward.metrics import ServiceMetrics
from mathreward.reward_spec import RewardSpec
from mathreward.rewards import PrmPart, RewardItem, RewardOutcome, RewardParts, compute_rewards
from mathreward.rewards import outcome_for as reward_outcome_for
from verifier.pool import PoolClosedError
from verifier.types import Result, Verdict, VerifyItem, VerifyOptions

if TYPE_CHECKING:
    from prm.engine import PrmEngine
    from verifier.pool import VerifierPool

log = logging.getLogger("mathreward.servicer")


class ServingState:
    """Mutable state shared by the handlers of one server: draining flag, RPCs in flight."""

    def __init__(self) -> None:
        self.draining = False
        self.inflight_rpcs = 0


class RewardServicer(reward_pb2_grpc.RewardServiceServicer):
    def __init__(self, config: ServerConfig, pool: VerifierPool, engine: PrmEngine | None,
                 metrics: ServiceMetrics, state: ServingState) -> None:
        self._config = config
        self._limits = config.limits
        self._pool = pool
        self._engine = engine
        self._metrics = metrics
        self._state = state
        self._step_separator = config.prm.step_separator if config.prm is not None else "\n\n"

    # -- admission and errors ------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def _rpc(self, context: grpc.aio.ServicerContext, method: str, n_items: int
                   ) -> AsyncIterator[None]:
        try:
            if self._state.draining:
                raise Draining("server is shutting down; retry on another replica")
            if self._state.inflight_rpcs >= self._limits.max_concurrent_rpcs:
                raise TooManyRpcs(f"{self._state.inflight_rpcs} RPCs in progress (limit "
                                  f"{self._limits.max_concurrent_rpcs}); retry with backoff",
                                  limit=self._limits.max_concurrent_rpcs)
            if n_items > self._limits.max_items_per_request:
                raise TooManyItems(f"{n_items} items in one request; the limit is "
                                   f"{self._limits.max_items_per_request}: split the batch",
                                   limit=self._limits.max_items_per_request, items=n_items)
        except ServiceError as error:
            await self._reject(context, error)
        self._state.inflight_rpcs += 1
        self._metrics.batch_size.labels(method=method).observe(n_items)
        self._metrics.inflight_items.labels(method=method).inc(n_items)
        try:
            yield
        except ServiceError as error:
            await self._reject(context, error)
        except PoolClosedError:  # shutdown closed the pool under a straggler: go elsewhere
            await self._reject(context, Draining("server is shutting down; retry elsewhere"))
        except grpc.aio.AbortError:
            raise
        except Exception:  # a bug, not a bad item: one stack trace, INTERNAL for the caller
            log.exception("internal error", extra={"method": method})
            await context.abort(grpc.StatusCode.INTERNAL,
                                f"internal error (request id {REQUEST_ID.get()})")
        finally:
            self._state.inflight_rpcs -= 1
            self._metrics.inflight_items.labels(method=method).dec(n_items)

    async def _reject(self, context: grpc.aio.ServicerContext, error: ServiceError) -> None:
        code, reason = status_of(error)
        self._metrics.on_rejection(reason)
        log.info("rejected", extra={"code": code.name, "reason": reason, "detail": error.message})
        await abort_with(context, error)

    def _deadline(self, context: grpc.aio.ServicerContext, n_items: int) -> float | None:
        """Absolute monotonic deadline for the work: the call's, less the margin to answer."""
        remaining = context.time_remaining()
        if remaining is None or remaining > 1e8:  # no deadline set by the client
            return None
        margin = (self._config.deadline_margin_s
                  + self._config.deadline_margin_per_item_s * n_items)
        budget = remaining - min(margin, remaining / 2)
        if budget <= 0.001:
            raise DeadlineTooShort(f"the call deadline leaves {remaining * 1e3:.1f} ms; no time "
                                   "to grade anything", remaining_ms=round(remaining * 1e3, 1))
        return time.monotonic() + budget

    def _too_long(self, texts: Sequence[str]) -> str | None:
        """Why an item is over the per-text byte limit, or None."""
        limit = self._limits.max_text_bytes
        for text in texts:
            size = len(text.encode())
            if size > limit:
                return f"text of {size} bytes is over the server limit of {limit} bytes"
        return None

    def _admit_to_pool(self, n_items: int) -> None:
        """Refuse (RESOURCE_EXHAUSTED, retryable) work that would overfill the verifier queue."""
        queued = self._pool.pending_items
        if n_items and queued + n_items > self._limits.max_queued_items:
            raise QueueFull(f"{queued} items queued; {n_items} more would pass the limit "
                            f"of {self._limits.max_queued_items}; retry with backoff",
                            limit=self._limits.max_queued_items, queued=queued)

    # -- VerifyAnswers -------------------------------------------------------------------------
    def _plan_verify(self, request: pb.VerifyAnswersRequest, context: grpc.aio.ServicerContext
                     ) -> tuple[list[VerifyItem], VerifyOptions, float | None,
                                list[tuple[int, Result]], list[int]]:
        """Items, options, deadline, refused (index, Result) pairs, indexes to grade."""
        options = convert.options_from_pb(request.options)
        deadline = self._deadline(context, len(request.items))
        items = [convert.verify_item_from_pb(m) for m in request.items]
        refused: list[tuple[int, Result]] = []
        to_grade: list[int] = []
        for index, item in enumerate(items):
            reason = self._too_long((item.response, item.gold))
            if reason is None:
                to_grade.append(index)
            else:
                refused.append((index, Result(Verdict.RESOURCE_LIMIT, reason)))
                self._metrics.items.labels(verdict=Verdict.RESOURCE_LIMIT.value).inc()
        self._admit_to_pool(len(to_grade))
        return items, options, deadline, refused, to_grade

    async def VerifyAnswers(self, request: pb.VerifyAnswersRequest,
                            context: grpc.aio.ServicerContext) -> pb.VerifyAnswersResponse:
        async with self._rpc(context, "VerifyAnswers", len(request.items)):
            items, options, deadline, refused, to_grade = self._plan_verify(request, context)
            results: list[Result | None] = [None] * len(items)
            for index, result in refused:
                results[index] = result
            if to_grade:
                graded = await self._pool.averify_many([items[i] for i in to_grade], options,
                                                       deadline)
                for index, result in zip(to_grade, graded, strict=True):
                    results[index] = result
            return pb.VerifyAnswersResponse(results=[
                convert.result_to_pb(item.id, result)
                for item, result in zip(items, results, strict=True)])

    async def VerifyAnswersStream(self, request: pb.VerifyAnswersRequest,
                                  context: grpc.aio.ServicerContext
                                  ) -> AsyncIterator[pb.VerifyAnswersStreamResponse]:
        async with self._rpc(context, "VerifyAnswersStream", len(request.items)):
            items, options, deadline, refused, to_grade = self._plan_verify(request, context)
            for index, result in refused:
                yield pb.VerifyAnswersStreamResponse(
                    index=index, result=convert.result_to_pb(items[index].id, result))
            if not to_grade:
                return
            stream = self._pool.averify_stream([items[i] for i in to_grade], options, deadline)
            async with contextlib.aclosing(stream):
                async for position, result in stream:
                    index = to_grade[position]
                    yield pb.VerifyAnswersStreamResponse(
                        index=index, result=convert.result_to_pb(items[index].id, result))

    # -- ScoreSteps ----------------------------------------------------------------------------
    def _require_engine(self) -> PrmEngine:
        if self._engine is None:
            raise NotConfigured("this server runs without a PRM (started with --no-prm)")
        if not self._engine.ready:
            raise NotReady("the PRM is still loading; retry shortly")
        return self._engine

    async def _score(self, engine: PrmEngine, work: list[tuple[str, Sequence[str]]],
                     deadline: float | None) -> list[Any] | None:
        """The engine's StepScores per work item; None when the deadline passed first."""
        from prm.engine import PrmQueueFull as EngineQueueFull  # engine present => prm present

        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            return await asyncio.wait_for(engine.score_many(work), timeout)
        except TimeoutError:
            return None
        except EngineQueueFull as exc:
            raise PrmQueueFull(f"the PRM queue is full ({exc}); retry with backoff",
                               queued=engine.pending_items) from None

    async def ScoreSteps(self, request: pb.ScoreStepsRequest,
                         context: grpc.aio.ServicerContext) -> pb.ScoreStepsResponse:
        async with self._rpc(context, "ScoreSteps", len(request.items)):
            engine = self._require_engine()
            deadline = self._deadline(context, len(request.items))
            from prm.steps import split_steps  # engine present => prm present

            separator = request.step_separator or self._step_separator
            items = [convert.steps_item_from_pb(m, i) for i, m in enumerate(request.items)]
            steps = [item.steps or tuple(split_steps(item.response, separator)) for item in items]
            results: list[pb.ScoreStepsResult | None] = [None] * len(items)
            work: list[int] = []
            for index, item in enumerate(items):
                reason = self._too_long((item.problem, *steps[index]))
                if reason is None:
                    work.append(index)
                else:
                    results[index] = convert.steps_unscored_pb(item.id, steps[index],
                                                               "too_long", reason)
            scored = await self._score(engine, [(items[i].problem, steps[i]) for i in work],
                                       deadline) if work else []
            for position, index in enumerate(work):
                item_id = items[index].id
                results[index] = (
                    convert.steps_unscored_pb(item_id, steps[index], "timeout", "request deadline")
                    if scored is None else
                    convert.step_scores_to_pb(item_id, steps[index], scored[position]))
            for result in results:
                self._metrics.on_prm_status(pb.StepStatus.Name(result.status)
                                            .removeprefix("STEP_STATUS_").lower())
            return pb.ScoreStepsResponse(results=results)

    # -- ComputeReward -------------------------------------------------------------------------
    async def ComputeReward(self, request: pb.ComputeRewardRequest,
                            context: grpc.aio.ServicerContext) -> pb.ComputeRewardResponse:
        async with self._rpc(context, "ComputeReward", len(request.items)):
            spec = convert.reward_spec_from_pb(request.spec)
            options = convert.options_from_pb(request.options)
            items = [convert.reward_item_from_pb(m) for m in request.items]
            deadline = self._deadline(context, len(items))
            outcomes = await self.compute_outcomes(items, spec, options, deadline)
            return pb.ComputeRewardResponse(
                results=[convert.reward_outcome_to_pb(o) for o in outcomes])

    async def compute_outcomes(self, items: Sequence[RewardItem], spec: RewardSpec,
                               options: VerifyOptions, deadline: float | None
                               ) -> list[RewardOutcome]:
        """ComputeReward's work (also the HTTP gateway's): limits, then `compute_rewards`.

        A spec that needs the PRM on a server without one is PrmRequired (FAILED_PRECONDITION),
        before any work; a text over the byte limit is that item's RESOURCE_LIMIT verdict (its
        PRM term 0); a full verifier or PRM queue is RESOURCE_EXHAUSTED.
        """
        if self._state.draining:
            raise Draining("server is shutting down; retry on another replica")
        engine = None
        if spec.needs_prm:
            if self._engine is None:
                raise PrmRequired(f"reward spec {spec.label!r} needs the PRM, but this server "
                                  "runs without one; use an ORM-only spec such as 'orm'",
                                  spec=spec.label)
            engine = self._require_engine()  # NotReady while loading
        outcomes: list[RewardOutcome | None] = [None] * len(items)
        work: list[int] = []
        for index, item in enumerate(items):
            reason = self._too_long((item.response, item.gold, item.problem, *item.steps))
            if reason is None:
                work.append(index)
                continue
            prm = PrmPart(reason="not scored: text too long") if spec.needs_prm else None
            parts = RewardParts(result=Result(Verdict.RESOURCE_LIMIT, reason), prm=prm)
            outcomes[index] = reward_outcome_for(spec, item.id, parts)
            self._metrics.items.labels(verdict=Verdict.RESOURCE_LIMIT.value).inc()
        self._admit_to_pool(len(work))
        computed = await self._compute_or_map(engine, [items[i] for i in work], spec, options,
                                              deadline) if work else []
        for index, outcome in zip(work, computed, strict=True):
            outcomes[index] = outcome
        return outcomes  # type: ignore[return-value]  # every slot is filled above

    async def _compute_or_map(self, engine: PrmEngine | None, items: list[RewardItem],
                              spec: RewardSpec, options: VerifyOptions,
                              deadline: float | None) -> list[RewardOutcome]:
        """`compute_rewards`, with the engine's queue-full turned into PrmQueueFull."""
        try:
            return await compute_rewards(items, spec, options, self._pool, engine, deadline,
                                         step_separator=self._step_separator,
                                         observer=self._metrics)
        except Exception as exc:
            if engine is not None:
                from prm.engine import PrmQueueFull as EngineQueueFull  # engine => prm present

                if isinstance(exc, EngineQueueFull):
                    raise PrmQueueFull(f"the PRM queue is full ({exc}); retry with backoff",
                                       queued=engine.pending_items) from None
            raise
