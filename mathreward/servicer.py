"""RPC handlers of `mathreward.v1.RewardService`: thin translations onto the reward core.

Each handler converts the request (`convert.py`), runs the work through `core.RewardCore`
inside `_rpc()` (admission: draining, RPC slot, item count; an atomic reservation of verifier
places; a `ServiceError` becomes its gRPC status with ErrorInfo, errors.STATUS_TABLE), and
converts the answer back. Auth, request receipt, metrics and logs are the edge's
(`interceptors.py`).

The servicer context is used only while the call is certainly alive: `time_remaining()` at the
start, and `abort` from a handler that is still running. A call that ends early ends its handler
with CancelledError / GeneratorExit, which `_rpc` lets through untouched.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import grpc

from mathreward import convert
from mathreward._pb import reward_pb2 as pb
from mathreward._pb import reward_pb2_grpc
from mathreward.core import RewardCore, ServingState, Ticket
from mathreward.errors import Draining, ServiceError, abort_with, status_of
from mathreward.logs import REQUEST_ID
from verifier.pool import PoolClosedError

__all__ = ["RewardServicer", "ServingState"]

log = logging.getLogger("mathreward.servicer")


class RewardServicer(reward_pb2_grpc.RewardServiceServicer):
    def __init__(self, core: RewardCore) -> None:
        self.core = core  # shared with the HTTP gateway (server.py)
        self._metrics = core.metrics

    # -- admission and errors ------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def _rpc(self, context: grpc.aio.ServicerContext, method: str, n_items: int
                   ) -> AsyncIterator[Ticket]:
        try:
            admitted = self.core.admit(method, n_items)
            ticket = admitted.__enter__()  # synchronous: check and take in one step
        except ServiceError as error:
            await self._reject(context, error)
        try:
            yield ticket
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
            admitted.__exit__(None, None, None)

    async def _reject(self, context: grpc.aio.ServicerContext, error: ServiceError) -> None:
        code, reason = status_of(error)
        self._metrics.on_rejection(reason)
        log.info("rejected", extra={"code": code.name, "reason": reason,
                                    "detail": error.message[:300]})
        await abort_with(context, error)

    def _deadline(self, context: grpc.aio.ServicerContext, n_items: int) -> float | None:
        return self.core.work_deadline(context.time_remaining(), n_items)

    # -- VerifyAnswers -------------------------------------------------------------------------
    async def VerifyAnswers(self, request: pb.VerifyAnswersRequest,
                            context: grpc.aio.ServicerContext) -> pb.VerifyAnswersResponse:
        async with self._rpc(context, "VerifyAnswers", len(request.items)) as ticket:
            options = convert.options_from_pb(request.options)
            deadline = self._deadline(context, len(request.items))
            items = [convert.verify_item_from_pb(m) for m in request.items]
            results = await self.core.verify(ticket, items, options, deadline)
            return pb.VerifyAnswersResponse(results=[
                convert.result_to_pb(item.id, result)
                for item, result in zip(items, results, strict=True)])

    async def VerifyAnswersStream(self, request: pb.VerifyAnswersRequest,
                                  context: grpc.aio.ServicerContext
                                  ) -> AsyncIterator[pb.VerifyAnswersStreamResponse]:
        async with self._rpc(context, "VerifyAnswersStream", len(request.items)) as ticket:
            options = convert.options_from_pb(request.options)
            deadline = self._deadline(context, len(request.items))
            items = [convert.verify_item_from_pb(m) for m in request.items]
            stream = self.core.verify_stream(ticket, items, options, deadline)
            async with contextlib.aclosing(stream):
                async for index, result in stream:
                    yield pb.VerifyAnswersStreamResponse(
                        index=index, result=convert.result_to_pb(items[index].id, result))

    # -- ScoreSteps ----------------------------------------------------------------------------
    async def ScoreSteps(self, request: pb.ScoreStepsRequest,
                         context: grpc.aio.ServicerContext) -> pb.ScoreStepsResponse:
        async with self._rpc(context, "ScoreSteps", len(request.items)):
            self.core.require_engine()
            deadline = self._deadline(context, len(request.items))
            separator = request.step_separator or self.core.step_separator
            items = [convert.steps_item_from_pb(m, i) for i, m in enumerate(request.items)]
            plan = self.core.plan_steps(items, separator)
            results: list[pb.ScoreStepsResult | None] = [None] * len(items)
            for index, reason in plan.refused.items():
                results[index] = convert.steps_unscored_pb(items[index].id, plan.steps[index],
                                                           "too_long", reason)
            work = [(items[i].problem, plan.steps[i]) for i in plan.to_score]
            scored = await self.core.score(work, deadline) if work else []
            for position, index in enumerate(plan.to_score):
                item_id = items[index].id
                results[index] = (
                    convert.steps_unscored_pb(item_id, plan.steps[index], "timeout",
                                              "request deadline")
                    if scored is None else
                    convert.step_scores_to_pb(item_id, plan.steps[index], scored[position]))
            for result in results:
                self._metrics.on_prm_status(pb.StepStatus.Name(result.status)
                                            .removeprefix("STEP_STATUS_").lower())
            return pb.ScoreStepsResponse(results=results)

    # -- ComputeReward -------------------------------------------------------------------------
    async def ComputeReward(self, request: pb.ComputeRewardRequest,
                            context: grpc.aio.ServicerContext) -> pb.ComputeRewardResponse:
        async with self._rpc(context, "ComputeReward", len(request.items)) as ticket:
            spec = convert.reward_spec_from_pb(request.spec)
            options = convert.options_from_pb(request.options)
            items = [convert.reward_item_from_pb(m) for m in request.items]
            deadline = self._deadline(context, len(items))
            outcomes = await self.core.compute(ticket, items, spec, options, deadline)
            return pb.ComputeRewardResponse(
                results=[convert.reward_outcome_to_pb(o) for o in outcomes])
