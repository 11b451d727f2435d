"""OpenRLHF adapter: a reward-function file for `--reward.remote_url`, backed by the service.

    MATHREWARD_ADDRESS=host:50051 MATHREWARD_SPEC=orm \\
    python -m openrlhf.cli.train_ppo_ray ... --data.label_key answer --reward.remote_url \\
        "$(python -c 'import mathreward.adapters.openrlhf as m; print(m.__file__)')"

(or, without a Python file, point `--reward.remote_url http://host:HTTP_PORT/get_reward` at the
service started with `mathreward serve --http-port HTTP_PORT`: the gateway uses
`items_from_queries` and `reward_result` below as its translation). docs/trainers.md has the
tested commands.

OpenRLHF 0.11's contract (`openrlhf.utils.agent.SingleTurnAgentExecutor`): a remote URL ending in
`.py` is loaded with `importlib.util.spec_from_file_location` and `reward_func(queries, prompts,
labels)` is called from a worker thread, one sample per call. `queries` are the prompt token ids
(left-truncated to fit) + the response token ids decoded together with special tokens kept, so:

- the response is located in the query by `mathreward.adapters._response.locate_response`
  (exact prompt prefix, the chat template's last assistant marker, the prompt's longest suffix,
  the same after NFKC); where it cannot be located the sample gets reward 0, is never graded,
  and `extra_logs["unlocated"]` is 1 (the gateway also counts `mathreward_adapter_unlocated_total`);
- trailing end-of-turn / end-of-sequence tokens (`<|im_end|>`, `<|eot_id|>`, `</s>`, ...;
  more with MATHREWARD_END_TOKENS) are stripped before grading and PRM scoring.

It returns `{"rewards", "scores", "extra_logs"}` (tensors): rewards drive the advantage, scores
(0/1 correctness) drive dynamic filtering, extra_logs are logged. `extra_logs` has the SAME keys
for every sample (OpenRLHF stacks them across samples and a missing key breaks the batch):
`correct`, `prm_aggregate` (0.0 when not scored), `prm_scored` (0/1), `unlocated` (0/1).

Labels are the dataset's `--data.label_key` column; a sample without one raises (set the flag).
When the service cannot answer: `on_error` from MATHREWARD_ON_ERROR, "raise" (default: OpenRLHF
logs the error and the step fails) or "zero" (reward 0, a warning).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from mathreward.adapters import MissingGoldError, config_from_env, resolve_on_error
from mathreward.adapters._remote import rewarder_for
from mathreward.adapters._response import end_tokens, locate_response, strip_end_tokens
from mathreward.rewards import RewardItem, RewardOutcome
from verifier.types import Verdict

log = logging.getLogger(__name__)

FALLBACK_REWARD = 0.0
UNLOCATED_PREFIX = "unlocated:"  # reasons of outcomes whose response was not found


def _tensor(values: list[float]) -> Any:
    try:  # OpenRLHF works with torch tensors; plain lists where torch is absent (HTTP gateway)
        import torch
    except ImportError:
        return values
    return torch.tensor(values, dtype=torch.float32)


def reward_result(outcomes: Sequence[RewardOutcome | None], as_tensors: bool = True
                  ) -> dict[str, Any]:
    """OpenRLHF's reward dict for outcomes (None = failed sample under on_error=zero)."""
    rewards, correct, prm, prm_scored, unlocated = [], [], [], [], []
    for o in outcomes:
        lost = o is not None and o.reason.startswith(UNLOCATED_PREFIX)
        rewards.append(FALLBACK_REWARD if o is None or lost else float(o.reward))
        correct.append(1.0 if o is not None and not lost and o.verdict is Verdict.CORRECT
                       else 0.0)
        scored = o is not None and o.prm_scored
        prm.append(float(o.prm_aggregate) if scored else 0.0)  # type: ignore[union-attr, arg-type]
        prm_scored.append(1.0 if scored else 0.0)
        unlocated.append(1.0 if lost else 0.0)
    wrap = _tensor if as_tensors else list
    extra = {"correct": wrap(correct), "prm_aggregate": wrap(prm),
             "prm_scored": wrap(prm_scored), "unlocated": wrap(unlocated)}
    return {"rewards": wrap(rewards), "scores": wrap(correct), "extra_logs": extra}


def items_from_queries(queries: Sequence[str], prompts: Sequence[str],
                       labels: Sequence[Any], *, require_labels: bool = True,
                       tokens: Sequence[str] | None = None) -> list[RewardItem]:
    """The ComputeReward items for one OpenRLHF batch (response located, end tokens stripped).

    A query whose response cannot be located becomes an item with `unlocated` set (reward 0, not
    graded). Missing labels (None or "") raise MissingGoldError unless `require_labels=False`.
    """
    if not (len(queries) == len(prompts) == len(labels)):
        raise ValueError(f"queries/prompts/labels lengths differ: {len(queries)}, {len(prompts)}, "
                         f"{len(labels)}")
    if require_labels:
        missing = [i for i, label in enumerate(labels) if label is None or str(label) == ""]
        if missing:
            raise MissingGoldError(
                f"no gold answer (label) for {len(missing)} of {len(labels)} samples (first: "
                f"#{missing[0]}): OpenRLHF sends the dataset column named by --data.label_key; "
                "set it to the column that holds the answers")
    stop = end_tokens() if tokens is None else tuple(tokens)
    items = []
    for i, (q, p, label) in enumerate(zip(queries, prompts, labels, strict=True)):
        located = locate_response(str(q), "" if p is None else str(p))
        response = strip_end_tokens(located.response, stop) if located.response is not None else ""
        reason = "" if located.response is not None else located.how
        items.append(RewardItem(id=str(i), problem="" if p is None else str(p),
                                response=response, gold="" if label is None else str(label),
                                unlocated=reason))
    return items


def reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any]
                ) -> dict[str, Any]:
    """OpenRLHF's custom reward function (see the module docstring)."""
    on_error = resolve_on_error(allow_none=False)
    items = items_from_queries(queries, prompts, labels)
    for item in items:
        if item.unlocated:
            log.warning("mathreward: sample %s: %s", item.id, item.unlocated)
    to_grade = [item for item in items if not item.unlocated]
    graded: list[RewardOutcome | None] = [None] * len(to_grade)
    if to_grade:
        try:
            graded = list(rewarder_for(config_from_env()).compute_coalesced(to_grade))
        except Exception as exc:
            if on_error == "raise":
                raise
            log.warning("mathreward: %s; on_error=zero: %d samples get reward %s", exc,
                        len(to_grade), FALLBACK_REWARD)
    answers = iter(graded)  # in the order of to_grade
    outcomes = [_unlocated_outcome(item) if item.unlocated else next(answers) for item in items]
    return reward_result(outcomes)


def _unlocated_outcome(item: RewardItem) -> RewardOutcome:
    return RewardOutcome(id=item.id, reward=FALLBACK_REWARD, verdict=Verdict.NO_ANSWER,
                         extracted=None, reason=item.unlocated)
