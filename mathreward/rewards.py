"""ComputeReward's logic: run the outcome verifier and the PRM concurrently, combine by a spec.

    outcomes = await compute_rewards(items, spec, options, pool, engine, deadline)

- The ORM (`pool.averify_many`) always runs: its verdict is part of every answer and it is cheap.
- The PRM (`engine.score_many`, steps split by `prm.steps.split_steps` unless the item brings its
  own) runs only when `spec.needs_prm`, concurrently with the ORM (`asyncio.gather`).
- A spec that needs the PRM on a server started without one is a problem of the whole request:
  `PrmUnavailableError` (the servicer maps it to FAILED_PRECONDITION), raised before any work
  starts. Per-item PRM trouble (no steps, too long, request deadline) is data: that item's PRM
  term is 0.0, `prm_scored` is False and the reason says why; the ORM part still counts.
- `PrmQueueFull` from the engine propagates (RESOURCE_EXHAUSTED: retry with backoff).

- An item whose `unlocated` is set (an adapter could not find the response in what the trainer
  sent, see `mathreward.adapters._response`) is not graded: reward 0.0, verdict NO_ANSWER, the
  reason says why, and the observer counts it (`mathreward_adapter_unlocated_total`).
- PRM work is reported to the observer item by item (`mathreward_prm_items_total{status}`), the
  same statuses as ScoreSteps: ok | too_long | no_steps | error | timeout.

`gather_parts` + `outcome_for` are split out so the ablation tool can score one set of rollouts
under many specs while running the verifier and the model only once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mathreward.reward_spec import RewardSpec, aggregate, combine
from prm.steps import split_steps
from verifier.types import Result, Verdict, VerifyItem, VerifyOptions


class PrmUnavailableError(RuntimeError):
    """The spec needs the PRM but this process has no PRM engine (FAILED_PRECONDITION)."""


@dataclass(frozen=True)
class RewardItem:
    """One response to reward. `steps` given = use them as-is instead of splitting `response`."""

    id: str
    problem: str
    response: str
    gold: str
    steps: tuple[str, ...] = ()
    unlocated: str = ""  # non-empty: why the response could not be located; reward 0, not graded


class RewardObserver(Protocol):
    """Counts what ComputeReward did (ServiceMetrics implements it)."""

    def on_prm_status(self, status: str) -> None: ...

    def on_unlocated(self) -> None: ...


@dataclass(frozen=True)
class PrmPart:
    """One item's PRM result as the combination needs it."""

    step_scores: tuple[float, ...] = ()
    scored: bool = False  # False: not asked for, or the engine could not score this item
    reason: str = ""  # why not scored (empty when scored or not asked for)


@dataclass(frozen=True)
class RewardParts:
    """Everything measured for one item, before any spec is applied."""

    result: Result
    prm: PrmPart | None  # None: the PRM was not run for this request


@dataclass(frozen=True)
class RewardOutcome:
    """One item's reward and its parts, in request order."""

    id: str
    reward: float
    verdict: Verdict
    extracted: str | None
    reason: str
    step_scores: tuple[float, ...] = ()
    prm_aggregate: float | None = None  # None: not computed (not needed, or not scorable)
    extracted_by: str = ""  # the extraction rule that found the answer ("" when none did)

    @property
    def prm_scored(self) -> bool:
        return self.prm_aggregate is not None


class _Pool(Protocol):
    async def averify_many(self, items: Sequence[VerifyItem], options: VerifyOptions,
                           deadline: float | None = None) -> list[Result]: ...


class _Engine(Protocol):
    async def score_many(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[Any]: ...


def outcome_for(spec: RewardSpec, item_id: str, parts: RewardParts) -> RewardOutcome:
    """Apply one spec to one item's measured parts."""
    prm_agg = None
    scores: tuple[float, ...] = ()
    reason = parts.result.reason
    if parts.prm is not None:
        scores = parts.prm.step_scores
        if parts.prm.scored:
            prm_agg = aggregate(scores, spec.prm_aggregation)
        elif parts.prm.reason:
            reason = f"{reason}; prm: {parts.prm.reason}" if reason else f"prm: {parts.prm.reason}"
    return RewardOutcome(
        id=item_id,
        reward=combine(spec, parts.result.verdict, prm_agg),
        verdict=parts.result.verdict,
        extracted=parts.result.extracted,
        reason=reason,
        step_scores=scores,
        prm_aggregate=prm_agg,
        extracted_by=parts.result.extracted_by,
    )


def _split(item: RewardItem, separator: str) -> tuple[str, ...]:
    if item.steps:
        return item.steps

    return tuple(split_steps(item.response, separator))


def _prm_part(scored: Any) -> PrmPart:
    # StepScores(scores, status, reason); compared by name so this module needs no torch import.
    if scored.status.name == "OK" and scored.scores:
        return PrmPart(step_scores=tuple(float(s) for s in scored.scores), scored=True)
    reason = scored.reason or scored.status.name.lower()
    return PrmPart(step_scores=tuple(float(s) for s in scored.scores), reason=reason)


async def _score_prm(items: Sequence[RewardItem], engine: _Engine, separator: str,
                     deadline: float | None, observer: RewardObserver | None = None
                     ) -> list[PrmPart]:
    requests = [(item.problem, _split(item, separator)) for item in items]
    work = engine.score_many(requests)
    if deadline is None:
        scored = await work
    else:
        try:
            scored = await asyncio.wait_for(work, timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            _count_prm(observer, ["timeout"] * len(items))
            return [PrmPart(reason="request deadline") for _ in items]
    _count_prm(observer, [s.status.name.lower() for s in scored])
    return [_prm_part(s) for s in scored]


def _count_prm(observer: RewardObserver | None, statuses: Sequence[str]) -> None:
    if observer is not None:
        for status in statuses:
            observer.on_prm_status(status)


async def gather_parts(items: Sequence[RewardItem], options: VerifyOptions, pool: _Pool,
                       engine: _Engine | None, *, need_prm: bool, deadline: float | None = None,
                       step_separator: str = "\n\n", observer: RewardObserver | None = None
                       ) -> list[RewardParts]:
    """Run the ORM and (when `need_prm`) the PRM concurrently; one RewardParts per item."""
    if need_prm and engine is None:
        raise PrmUnavailableError(
            "this reward spec needs the PRM, but the server runs without one (start it with a "
            "PRM, or use an ORM-only spec such as 'orm')")
    if not items:
        return []
    verify_items = [VerifyItem(id=it.id, response=it.response, gold=it.gold) for it in items]
    orm = asyncio.ensure_future(pool.averify_many(verify_items, options, deadline))
    if not need_prm:
        return [RewardParts(result=r, prm=None) for r in await orm]
    assert engine is not None
    prm = asyncio.ensure_future(_score_prm(items, engine, step_separator, deadline, observer))
    try:
        results, prm_parts = await asyncio.gather(orm, prm)
    except BaseException:
        for task in (orm, prm):  # one side failed (queue full, cancelled): stop the other
            task.cancel()
        raise
    return [RewardParts(result=r, prm=p) for r, p in zip(results, prm_parts, strict=True)]


async def compute_rewards(items: Sequence[RewardItem], spec: RewardSpec, options: VerifyOptions,
                          pool: _Pool, engine: _Engine | None, deadline: float | None = None,
                          *, step_separator: str = "\n\n", observer: RewardObserver | None = None
                          ) -> list[RewardOutcome]:
    """Rewards for `items` under `spec`, in request order (see the module docstring)."""
    graded = [item for item in items if not item.unlocated]
    parts = iter(await gather_parts(graded, options, pool, engine, need_prm=spec.needs_prm,
                                    deadline=deadline, step_separator=step_separator,
                                    observer=observer))
    outcomes = []
    for item in items:
        if item.unlocated:
            if observer is not None:
                observer.on_unlocated()
            outcomes.append(unlocated_outcome(item))
        else:
            outcomes.append(outcome_for(spec, item.id, next(parts)))
    return outcomes


def unlocated_outcome(item: RewardItem) -> RewardOutcome:
    """Reward 0 for a response that could not be told apart from its prompt (never graded)."""
    return RewardOutcome(id=item.id, reward=0.0, verdict=Verdict.NO_ANSWER, extracted=None,
                         reason=item.unlocated)
