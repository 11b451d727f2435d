"""OpenRLHF adapter: a reward-function file for `--remote_rm_url` backed by the mathreward service.

    MATHREWARD_ADDRESS=host:50051 MATHREWARD_SPEC=orm \\
    python -m openrlhf.cli.train_ppo_ray ... --label_key answer \\
        --remote_rm_url $(python -c 'import mathreward.adapters.openrlhf as m; print(m.__file__)')

(or, without a Python file, point `--remote_rm_url http://host:HTTP_PORT/get_reward` at the
service started with `mathreward serve --http-port HTTP_PORT`; see `mathreward/http_gateway.py`).

OpenRLHF's contract: a file whose `.py` path is given as the remote RM URL is loaded with
`importlib.util.spec_from_file_location` and its `reward_func(queries, prompts, labels)` is called
(recent versions: one sample per call from worker threads; older ones: whole batches). `queries`
are prompt + response decoded together, so the prompt is stripped off; `labels` are the dataset's
`--label_key` column (the gold answers). It returns
`{"rewards": tensor, "scores": tensor, "extra_logs": {name: tensor}}`: rewards drive the
advantage, scores (0/1 correctness here) drive dynamic filtering, extra_logs go to the logger.

Concurrent calls are coalesced into batched ComputeReward requests. A failed call never raises:
every sample gets reward 0.0 and a warning is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from mathreward.adapters import config_from_env, strip_prompt
from mathreward.adapters._remote import RewarderCache
from mathreward.rewards import RewardItem, RewardOutcome
from verifier.types import Verdict

log = logging.getLogger(__name__)

FALLBACK_REWARD = 0.0
_REWARDERS = RewarderCache()  # a client per (address, spec), created on first call


def _tensor(values: list[float]) -> Any:
    try:  # OpenRLHF works with torch tensors; plain lists where torch is absent (HTTP gateway)
        import torch
    except ImportError:
        return values
    return torch.tensor(values, dtype=torch.float32)


def reward_result(outcomes: Sequence[RewardOutcome | None], as_tensors: bool = True
                  ) -> dict[str, Any]:
    """OpenRLHF's reward dict for outcomes (None = failed sample -> fallback reward)."""
    rewards = [o.reward if o is not None else FALLBACK_REWARD for o in outcomes]
    correct = [1.0 if o is not None and o.verdict is Verdict.CORRECT else 0.0 for o in outcomes]
    prm = [o.prm_aggregate if o is not None and o.prm_scored else -1.0 for o in outcomes]
    wrap = _tensor if as_tensors else list
    extra = {"correct": wrap(correct)}
    if any(o is not None and o.prm_scored for o in outcomes):
        extra["prm_aggregate"] = wrap(prm)
    return {"rewards": wrap(rewards), "scores": wrap(correct), "extra_logs": extra}


def items_from_queries(queries: Sequence[str], prompts: Sequence[str],
                       labels: Sequence[Any]) -> list[RewardItem]:
    """The ComputeReward items for one OpenRLHF batch (prompt stripped from each query)."""
    if not (len(queries) == len(prompts) == len(labels)):
        raise ValueError(f"queries/prompts/labels lengths differ: {len(queries)}, {len(prompts)}, "
                         f"{len(labels)}")
    return [RewardItem(id=str(i), problem=str(p), response=strip_prompt(str(q), str(p)),
                       gold="" if label is None else str(label))
            for i, (q, p, label) in enumerate(zip(queries, prompts, labels, strict=True))]


def reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any]
                ) -> dict[str, Any]:
    """OpenRLHF's custom reward function (see the module docstring)."""
    try:
        items = items_from_queries(queries, prompts, labels)
        outcomes: list[RewardOutcome | None] = list(
            _REWARDERS.get(config_from_env()).compute_coalesced(items))
    except Exception as exc:
        log.warning("mathreward: ComputeReward failed (%s); %d samples get reward %s", exc,
                    len(queries), FALLBACK_REWARD)
        outcomes = [None] * len(queries)
    return reward_result(outcomes)
