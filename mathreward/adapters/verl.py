"""veRL adapter: `reward.custom_reward_function` backed by the mathreward service (veRL 0.9.1).

    reward.custom_reward_function.path=<site-packages>/mathreward/adapters/verl.py
    reward.custom_reward_function.name=compute_score_async   # naive / dapo managers (reward loop)
    # or name=compute_score (sync; required by reward.reward_manager.name=remote)
    +reward.custom_reward_function.reward_kwargs.address=host:50051
    +reward.custom_reward_function.reward_kwargs.spec=orm

(`path=pkg://mathreward.adapters.verl` works too; address/spec fall back to MATHREWARD_ADDRESS /
MATHREWARD_SPEC, then localhost:50051 / orm). docs/trainers.md has the tested configs.

veRL's contract (`verl.trainer.ppo.reward.get_custom_reward_fn` + the reward-loop managers in
`verl.experimental.reward_loop.reward_manager`): called once per sample as
`compute_score(data_source=, solution_str=, ground_truth=, extra_info=, ...)` (with a reward
model, `reward_router_address` and `reward_model_tokenizer` are added: accepted and ignored);
coroutine functions are awaited on the reward loop, plain ones run in an executor thread. It
returns a dict with "score"; the other keys become `reward_extra_info` columns, so every call
returns the same keys: score, acc, verdict, pred, prm_aggregate (0.0 when not scored), prm_scored.

Batching: veRL 0.9.1 has no batch manager any more (`reward.reward_manager.name` is one of
naive, dapo, gdpo, limited, remote). Per-sample calls arriving within `max_wait_ms` are coalesced
by the adapter's micro-batcher into one ComputeReward request, so the per-sample function IS the
batched path: 1,024 concurrent samples become a few RPCs.

Picklable: veRL's `remote` manager ships the function to Ray workers (cloudpickle, by value when
loaded from a file path). The functions here hold no client: they reach the process's client
through `mathreward.adapters._remote.rewarder_for`, created lazily in each process.

When the service cannot answer (after retrying until the deadline): `on_error` ("raise" default,
or "zero"), by reward_kwargs or MATHREWARD_ON_ERROR.
"""

from __future__ import annotations

import logging
from typing import Any

from mathreward.adapters import MissingGoldError, config_from_env, resolve_on_error
from mathreward.adapters._remote import rewarder_for
from mathreward.rewards import RewardItem, RewardOutcome
from verifier.types import Verdict

log = logging.getLogger("mathreward.adapters.verl")  # the same name when loaded from a file

FALLBACK_SCORE = 0.0


def _item(solution_str: Any, ground_truth: Any, extra_info: Any) -> RewardItem:
    info = extra_info if isinstance(extra_info, dict) else {}
    problem = info.get("question") or info.get("problem") or info.get("prompt") or ""
    gold = ground_truth
    if isinstance(gold, dict):  # some datasets store {"target": ...} / {"answer": ...}
        gold = gold.get("answer", gold.get("target"))
    if isinstance(gold, list | tuple):  # several acceptable answers: the service takes the first
        gold = gold[0] if gold else None
    if gold is None or str(gold) == "":
        raise MissingGoldError(
            f"no gold answer: ground_truth={ground_truth!r} (veRL passes the dataset's "
            "reward_model.ground_truth; a dict must have 'answer' or 'target')")
    return RewardItem(id=str(info.get("index", "")), problem=str(problem),
                      response=str(solution_str or ""), gold=str(gold))


def _as_dict(outcome: RewardOutcome | None) -> dict[str, Any]:
    if outcome is None:  # on_error=zero
        return {"score": FALLBACK_SCORE, "acc": False, "verdict": "error", "pred": "",
                "prm_aggregate": 0.0, "prm_scored": False}
    return {
        "score": float(outcome.reward),
        "acc": outcome.verdict is Verdict.CORRECT,
        "verdict": outcome.verdict.value if outcome.verdict else "",
        "pred": outcome.extracted or "",
        "prm_aggregate": float(outcome.prm_aggregate) if outcome.prm_scored else 0.0,
        "prm_scored": outcome.prm_scored,
    }


def _on_failure(exc: Exception, on_error: str) -> dict[str, Any]:
    if on_error == "raise":
        raise exc
    log.warning("mathreward: %s; on_error=zero: score %s", exc, FALLBACK_SCORE)
    return _as_dict(None)


def compute_score(data_source: str, solution_str: str, ground_truth: Any,
                  extra_info: dict | None = None, *, address: str | None = None,
                  spec: str | None = None, on_error: str | None = None,
                  **kwargs: Any) -> dict[str, Any]:
    """veRL's per-sample reward (sync): {"score", "acc", "verdict", "pred", "prm_*"}."""
    policy = resolve_on_error(on_error, allow_none=False)
    item = _item(solution_str, ground_truth, extra_info)
    try:
        [outcome] = rewarder_for(config_from_env(address, spec)).compute_coalesced([item])
    except Exception as exc:
        return _on_failure(exc, policy)
    return _as_dict(outcome)


async def compute_score_async(data_source: str, solution_str: str, ground_truth: Any,
                              extra_info: dict | None = None, *, address: str | None = None,
                              spec: str | None = None, on_error: str | None = None,
                              **kwargs: Any) -> dict[str, Any]:
    """The same as `compute_score`, awaitable (veRL's reward loop awaits coroutine functions)."""
    policy = resolve_on_error(on_error, allow_none=False)
    item = _item(solution_str, ground_truth, extra_info)
    try:
        [outcome] = await rewarder_for(config_from_env(address, spec)).acompute_coalesced([item])
    except Exception as exc:
        return _on_failure(exc, policy)
    return _as_dict(outcome)
