"""TRL adapter: a GRPOTrainer reward function backed by the mathreward service.

    from mathreward.adapters.trl import make_reward_func
    reward = make_reward_func(address="localhost:50051", spec="orm", answer_column="answer")
    trainer = GRPOTrainer(model=..., reward_funcs=[reward], train_dataset=ds, args=GRPOConfig(...))

or by import path, configured by the environment (read at call time):

    # MATHREWARD_ADDRESS=host:50051 MATHREWARD_SPEC=orm in the environment
    from mathreward.adapters.trl import reward
    trainer = GRPOTrainer(..., reward_funcs=[reward])

TRL's contract (trl 1.16, `GRPOTrainer._calculate_rewards`): the function is called with keyword
arguments `prompts`, `completions`, `completion_ids`, every dataset column except "prompt" (one
value per completion), `trainer_state`, `log_extra(column, values)` and `log_metric(name, value)`;
it returns one float per completion. Async callables (an `async def __call__` counts) are awaited
on TRL's daemon event loop, concurrently with the other async reward functions. Completions are
strings, or message lists in conversational datasets (the last assistant message is the answer).

One batched ComputeReward RPC per call. A failed call (server down, deadline) or a missing answer
column never raises: every completion gets `fallback_reward` and a warning is logged.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

from mathreward.adapters import completion_text, config_from_env, prompt_text
from mathreward.adapters._remote import RemoteConfig, RewarderCache
from mathreward.reward_spec import RewardSpec
from mathreward.rewards import RewardItem, RewardOutcome
from verifier.types import Verdict

log = logging.getLogger(__name__)


class TrlRewardFunc:
    """An async TRL reward function; build it with `make_reward_func`."""

    def __init__(self, config: RemoteConfig, answer_column: str = "answer",
                 problem_column: str | None = None, fallback_reward: float = 0.0,
                 name: str = "mathreward") -> None:
        self.config = config
        self.answer_column = answer_column
        self.problem_column = problem_column  # None: the problem is the prompt's text
        self.fallback_reward = fallback_reward
        self.__name__ = name  # TRL logs rewards/<__name__>/mean
        self._cache = RewarderCache()  # the client, built lazily on first call

    def __getstate__(self) -> dict[str, Any]:  # picklable: the live client stays behind
        state = self.__dict__.copy()
        state["_cache"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cache = RewarderCache()

    def close(self) -> None:
        self._cache.close()

    def _items(self, prompts: Sequence[Any], completions: Sequence[Any],
               kwargs: dict[str, Any]) -> list[RewardItem] | None:
        golds = kwargs.get(self.answer_column)
        if golds is None or len(golds) != len(completions):
            log.warning("mathreward: dataset column %r missing or wrong length; columns: %s",
                        self.answer_column, sorted(k for k in kwargs if not k.startswith("log_")))
            return None
        problems = kwargs.get(self.problem_column) if self.problem_column else None
        if problems is None:
            problems = [prompt_text(p) for p in prompts]
        return [RewardItem(id=str(i), problem=str(problems[i] or ""),
                           response=completion_text(c), gold=str(golds[i]))
                for i, c in enumerate(completions)]

    async def __call__(self, prompts: Sequence[Any], completions: Sequence[Any],
                       **kwargs: Any) -> list[float]:
        n = len(completions)
        items = self._items(prompts, completions, kwargs)
        if items is None:
            return [self.fallback_reward] * n
        try:
            outcomes = await self._cache.get(self.config).acompute(items)
        except Exception as exc:  # never fail a training step over reward: log and fall back
            log.warning("mathreward: ComputeReward failed (%s); %d completions get reward %s",
                        exc, n, self.fallback_reward)
            return [self.fallback_reward] * n
        _log_parts(outcomes, kwargs.get("log_extra"), kwargs.get("log_metric"))
        return [float(o.reward) for o in outcomes]


def _log_parts(outcomes: Sequence[RewardOutcome], log_extra: Callable | None,
               log_metric: Callable | None) -> None:
    """Reward parts into TRL's completions table (log_extra) and its metrics (log_metric)."""
    if log_extra is not None:
        log_extra("verdict", [o.verdict.value if o.verdict else "" for o in outcomes])
        log_extra("extracted", [o.extracted or "" for o in outcomes])
        if any(o.prm_scored for o in outcomes):
            log_extra("prm_aggregate", [o.prm_aggregate if o.prm_scored else math.nan
                                        for o in outcomes])
    if log_metric is not None and outcomes:
        log_metric("mathreward/correct",
                   sum(o.verdict is Verdict.CORRECT for o in outcomes) / len(outcomes))
        scored = [o.prm_aggregate for o in outcomes if o.prm_scored]
        if scored:
            log_metric("mathreward/prm_aggregate", sum(scored) / len(scored))


def make_reward_func(address: str | None = None, spec: RewardSpec | str | None = None,
                     answer_column: str = "answer", *, problem_column: str | None = None,
                     timeout_s: float | None = None, fallback_reward: float = 0.0,
                     name: str | None = None) -> TrlRewardFunc:
    """An async reward function for `GRPOTrainer(reward_funcs=[...])`.

    address/spec default to MATHREWARD_ADDRESS / MATHREWARD_SPEC (read now), then
    "localhost:50051" / "orm". `answer_column` names the dataset column holding the gold answer.
    """
    config = config_from_env(address, spec)
    if timeout_s is not None:
        config = RemoteConfig(address=config.address, spec=config.spec, timeout_s=timeout_s)
    return TrlRewardFunc(config, answer_column, problem_column, fallback_reward,
                         name or f"mathreward_{config.spec.label}")


class _EnvRewardFunc:
    """`reward`: configured by MATHREWARD_* at each call; one TrlRewardFunc per configuration."""

    __name__ = "mathreward"

    def __init__(self) -> None:
        self._funcs: dict[RemoteConfig, TrlRewardFunc] = {}  # filled lazily, one per config

    async def __call__(self, prompts: Sequence[Any], completions: Sequence[Any],
                       **kwargs: Any) -> list[float]:
        config = config_from_env()
        func = self._funcs.get(config)
        if func is None:
            func = self._funcs.setdefault(config, TrlRewardFunc(config, name=self.__name__))
        return await func(prompts, completions, **kwargs)


reward = _EnvRewardFunc()  # holds no client until its first call
