"""TRL adapter: a GRPOTrainer reward function backed by the mathreward service.

    from mathreward.adapters.trl import make_reward_func
    reward = make_reward_func(address="localhost:50051", spec="orm")  # gold: "answer"/"solution"
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

One batched ComputeReward RPC per call.

Gold answers: the column named by `answer_column=` (or MATHREWARD_ANSWER_COLUMN); with neither,
"answer", else "solution" (the column TRL's own `accuracy_reward` reads; a worked solution there
is reduced to its last `\\boxed{}`, as TRL's reward parses it). A missing column raises
`MissingGoldError` naming the column(s) looked for and the columns present: never silent zeros.

When the service cannot answer (it is retried with backoff until `timeout_s`): `on_error=`
(or MATHREWARD_ON_ERROR) "raise" (default: the step fails with `RewardServiceError`), "zero"
(every completion 0.0, a warning), or "none" (every completion None: TRL then ignores this reward
function for those samples, as it does for a function that does not apply).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from mathreward.adapters import (
    ENV_ANSWER_COLUMN,
    MissingGoldError,
    completion_text,
    config_from_env,
    prompt_text,
    resolve_on_error,
)
from mathreward.adapters._remote import RemoteConfig, RewarderCache
from mathreward.reward_spec import RewardSpec
from mathreward.rewards import RewardItem, RewardOutcome
from verifier.extract import extract_answer
from verifier.types import Verdict

log = logging.getLogger(__name__)

AUTO_ANSWER_COLUMNS = ("answer", "solution")  # looked for, in order, when none is named
_WORKED_SOLUTION_COLUMN = "solution"  # TRL's convention: may hold a whole worked solution


def gold_from_solution(text: str) -> str:
    """A worked solution's final answer (its last \\boxed{}), else the text unchanged."""
    if "\\boxed" not in text:
        return text
    return extract_answer(text) or text


class TrlRewardFunc:
    """An async TRL reward function; build it with `make_reward_func`."""

    def __init__(self, config: RemoteConfig, answer_column: str | None = None,
                 problem_column: str | None = None, fallback_reward: float = 0.0,
                 name: str = "mathreward", on_error: str | None = None) -> None:
        self.config = config
        self.answer_column = answer_column  # None: MATHREWARD_ANSWER_COLUMN, else auto
        self.problem_column = problem_column  # None: the problem is the prompt's text
        self.fallback_reward = fallback_reward  # what on_error="zero" pays
        self.on_error = on_error  # None: MATHREWARD_ON_ERROR, else "raise" (read at call time)
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

    def _golds(self, n: int, kwargs: dict[str, Any]) -> list[str]:
        named = self.answer_column or os.environ.get(ENV_ANSWER_COLUMN)
        wanted = (named,) if named else AUTO_ANSWER_COLUMNS
        column = next((c for c in wanted if kwargs.get(c) is not None), None)
        if column is None:
            present = sorted(k for k in kwargs if k not in _TRL_KWARGS)
            how = (f"answer_column={named!r}" if named else
                   f"none named, so {' then '.join(map(repr, AUTO_ANSWER_COLUMNS))}")
            raise MissingGoldError(
                f"mathreward: no gold-answer column {' or '.join(map(repr, wanted))} in the "
                f"dataset ({how}); dataset columns: {present}. Name yours with "
                f"make_reward_func(answer_column=...) or {ENV_ANSWER_COLUMN}.")
        golds = list(kwargs[column])
        if len(golds) != n:
            raise MissingGoldError(f"mathreward: column {column!r} has {len(golds)} values for "
                                   f"{n} completions")
        if column == _WORKED_SOLUTION_COLUMN:
            return [gold_from_solution(str(g)) for g in golds]
        return [str(g) for g in golds]

    def _items(self, prompts: Sequence[Any], completions: Sequence[Any],
               kwargs: dict[str, Any]) -> list[RewardItem]:
        golds = self._golds(len(completions), kwargs)
        problems = kwargs.get(self.problem_column) if self.problem_column else None
        if problems is None:
            problems = [prompt_text(p) for p in prompts]
        return [RewardItem(id=str(i), problem=str(problems[i] or ""),
                           response=completion_text(c), gold=golds[i])
                for i, c in enumerate(completions)]

    async def __call__(self, prompts: Sequence[Any], completions: Sequence[Any],
                       **kwargs: Any) -> list[float | None]:
        n = len(completions)
        on_error = resolve_on_error(self.on_error)
        items = self._items(prompts, completions, kwargs)
        try:
            outcomes = await self._cache.get(self.config).acompute(items)
        except Exception as exc:
            if on_error == "raise":
                raise
            fallback = None if on_error == "none" else self.fallback_reward
            log.warning("mathreward: %s; on_error=%s: %d completions get reward %s", exc,
                        on_error, n, fallback)
            return [fallback] * n
        _log_parts(outcomes, kwargs.get("log_extra"), kwargs.get("log_metric"))
        return [float(o.reward) for o in outcomes]


# The keyword arguments TRL adds beside the dataset columns (not columns themselves).
_TRL_KWARGS = frozenset({"prompts", "completions", "completion_ids", "trainer_state",
                         "log_extra", "log_metric", "environments"})


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
                     answer_column: str | None = None, *, problem_column: str | None = None,
                     timeout_s: float | None = None, on_error: str | None = None,
                     fallback_reward: float = 0.0, name: str | None = None) -> TrlRewardFunc:
    """An async reward function for `GRPOTrainer(reward_funcs=[...])`.

    address/spec default to MATHREWARD_ADDRESS / MATHREWARD_SPEC (read now), then
    "localhost:50051" / "orm". `answer_column` names the dataset column holding the gold answer
    (default: MATHREWARD_ANSWER_COLUMN, else "answer", else "solution"). `timeout_s` bounds one
    call including its retries. `on_error`: "raise" | "zero" | "none" (module docstring).
    """
    config = config_from_env(address, spec)
    if timeout_s is not None:
        config = replace(config, timeout_s=timeout_s)
    if on_error is not None:
        resolve_on_error(on_error)  # a bad value fails here, not at the first step
    return TrlRewardFunc(config, answer_column, problem_column, fallback_reward,
                         name or f"mathreward_{config.spec.label}", on_error)


class _EnvRewardFunc:
    """`reward`: configured by MATHREWARD_* at each call; one TrlRewardFunc per configuration."""

    __name__ = "mathreward"

    def __init__(self) -> None:
        self._funcs: dict[RemoteConfig, TrlRewardFunc] = {}  # filled lazily, one per config

    async def __call__(self, prompts: Sequence[Any], completions: Sequence[Any],
                       **kwargs: Any) -> list[float | None]:
        config = config_from_env()
        func = self._funcs.get(config)
        if func is None:
            func = self._funcs.setdefault(config, TrlRewardFunc(config, name=self.__name__))
        return await func(prompts, completions, **kwargs)


reward = _EnvRewardFunc()  # holds no client until its first call
