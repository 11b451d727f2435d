"""veRL adapter: `custom_reward_function` backed by the mathreward service.

    custom_reward_function.path=<site-packages>/mathreward/adapters/verl.py
    custom_reward_function.name=compute_score          # or compute_score_async (reward loop)
                                                       # or compute_score_batch with
                                                       # reward_model.reward_manager=batch
    +custom_reward_function.reward_kwargs.address=host:50051
    +custom_reward_function.reward_kwargs.spec=orm

(address/spec fall back to MATHREWARD_ADDRESS / MATHREWARD_SPEC, then localhost:50051 / orm).

veRL's contract (`verl.utils.reward_score.default_compute_score` and the reward managers): called
once per sample as `compute_score(data_source=, solution_str=, ground_truth=, extra_info=, ...)`
(the reward loop adds keyword arguments such as `reward_router_address`; they are accepted and
ignored). It returns a float or a dict with "score"; the other keys of a dict become
`reward_extra_info` columns, so every call returns the same keys: score, acc, verdict, pred,
prm_aggregate.

`compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos)` serves veRL's
`batch` reward manager: one ComputeReward request per call, one dict per sample.

Otherwise veRL calls per sample, from many executor threads (sync) or as concurrent coroutines
(async reward loop): calls arriving within `max_wait_ms` are coalesced into one ComputeReward
request by the adapter's micro-batcher. A failed call never raises: score = 0.0, verdict
"error", and a logged warning.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from mathreward.adapters import config_from_env
from mathreward.adapters._remote import RemoteConfig, Rewarder, RewarderCache
from mathreward.rewards import RewardItem, RewardOutcome
from verifier.types import Verdict

log = logging.getLogger(__name__)

FALLBACK_SCORE = 0.0
_REWARDERS = RewarderCache()  # a client per (address, spec), created on first call


def _item(solution_str: Any, ground_truth: Any, extra_info: Any) -> RewardItem:
    info = extra_info if isinstance(extra_info, dict) else {}
    problem = info.get("question") or info.get("problem") or info.get("prompt") or ""
    gold = ground_truth
    if isinstance(gold, dict):  # some datasets store {"target": ...} / {"answer": ...}
        gold = gold.get("answer", gold.get("target", ""))
    if isinstance(gold, list | tuple):  # several acceptable answers: the service takes the first
        gold = gold[0] if gold else ""
    return RewardItem(id=str(info.get("index", "")), problem=str(problem),
                      response=str(solution_str or ""), gold=str(gold))


def _as_dict(outcome: RewardOutcome) -> dict[str, Any]:
    return {
        "score": float(outcome.reward),
        "acc": outcome.verdict is Verdict.CORRECT,
        "verdict": outcome.verdict.value if outcome.verdict else "",
        "pred": outcome.extracted or "",
        "prm_aggregate": float(outcome.prm_aggregate) if outcome.prm_scored else -1.0,
    }


def _fallback(exc: BaseException) -> dict[str, Any]:
    log.warning("mathreward: ComputeReward failed (%s); score %s", exc, FALLBACK_SCORE)
    return {"score": FALLBACK_SCORE, "acc": False, "verdict": "error", "pred": "",
            "prm_aggregate": -1.0}


def _rewarder(address: str | None, spec: str | None) -> Rewarder:
    config: RemoteConfig = config_from_env(address, spec)
    return _REWARDERS.get(config)


def compute_score(data_source: str, solution_str: str, ground_truth: Any,
                  extra_info: dict | None = None, *, address: str | None = None,
                  spec: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """veRL's per-sample reward (sync): {"score", "acc", "verdict", "pred", "prm_aggregate"}."""
    try:
        item = _item(solution_str, ground_truth, extra_info)
        [outcome] = _rewarder(address, spec).compute_coalesced([item])
    except Exception as exc:
        return _fallback(exc)
    return _as_dict(outcome)


async def compute_score_async(data_source: str, solution_str: str, ground_truth: Any,
                              extra_info: dict | None = None, *, address: str | None = None,
                              spec: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """The same as `compute_score`, awaitable (veRL's reward loop awaits coroutine functions)."""
    try:
        item = _item(solution_str, ground_truth, extra_info)
        [outcome] = await _rewarder(address, spec).acompute_coalesced([item])
    except Exception as exc:
        return _fallback(exc)
    return _as_dict(outcome)


def compute_score_batch(data_sources: Sequence[str], solution_strs: Sequence[str],
                        ground_truths: Sequence[Any], extra_infos: Sequence[Any] | None = None,
                        *, address: str | None = None, spec: str | None = None,
                        **kwargs: Any) -> list[dict[str, Any]]:
    """veRL's `batch` reward manager contract: lists in, one dict per sample out (one RPC)."""
    infos = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
    try:
        items = [_item(s, g, i) for s, g, i in zip(solution_strs, ground_truths, infos,
                                                    strict=True)]
        outcomes = _rewarder(address, spec).compute(items)
    except Exception as exc:
        return [_fallback(exc) for _ in solution_strs]
    return [_as_dict(o) for o in outcomes]
