"""The only place that translates between protobuf messages and domain objects.

`*_from_pb` functions read requests (server side) and responses (client side); `*_to_pb`
functions build them. Request-level validation of values (option ranges) happens here, raising
`InvalidOptions`/`InvalidItem`; item-level problems are never raised, they become verdicts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from mathreward._pb import reward_pb2 as pb
from mathreward.errors import InvalidItem, InvalidOptions
from mathreward.types import StepsItem, StepsResult
from verifier.types import Result, Verdict, VerifyItem, VerifyOptions

VERDICT_TO_PB = {v: pb.Verdict.Value(f"VERDICT_{v.name}") for v in Verdict}
PB_TO_VERDICT = {value: verdict for verdict, value in VERDICT_TO_PB.items()}


class StepScoresLike(Protocol):
    """`prm.engine.StepScores` (duck-typed so this module does not import torch)."""

    scores: Sequence[float]
    status: Any  # prm.engine.StepStatus: an enum whose names are OK, TOO_LONG, NO_STEPS, ERROR
    reason: str


# -- VerifyAnswers -------------------------------------------------------------------------------

_PB_TO_EXTRACTION = {
    pb.EXTRACTION_MODE_UNSPECIFIED: "strict", pb.EXTRACTION_MODE_STRICT: "strict",
    pb.EXTRACTION_MODE_LENIENT: "lenient",
}
_EXTRACTION_TO_PB = {"strict": pb.EXTRACTION_MODE_STRICT, "lenient": pb.EXTRACTION_MODE_LENIENT}


def options_from_pb(message: pb.VerifyOptions) -> VerifyOptions:
    rel_tol = message.rel_tol
    if not math.isfinite(rel_tol) or not 0.0 <= rel_tol < 1.0:
        raise InvalidOptions(f"options.rel_tol must be finite and in [0, 1), got {rel_tol!r}",
                             field="options.rel_tol")
    extraction = _PB_TO_EXTRACTION.get(message.extraction)
    if extraction is None:
        raise InvalidOptions(f"options.extraction: unknown mode {message.extraction}",
                             field="options.extraction")
    return VerifyOptions(require_think=message.require_think, rel_tol=rel_tol,
                         percent_as_fraction=message.percent_as_fraction, extraction=extraction)


def options_to_pb(options: VerifyOptions | Mapping[str, Any] | None) -> pb.VerifyOptions:
    if options is None:
        return pb.VerifyOptions()
    if isinstance(options, Mapping):
        options = VerifyOptions(**options)
    return pb.VerifyOptions(require_think=options.require_think, rel_tol=options.rel_tol,
                            percent_as_fraction=options.percent_as_fraction,
                            extraction=_EXTRACTION_TO_PB[options.extraction])


def verify_item_from_pb(message: pb.VerifyItem) -> VerifyItem:
    return VerifyItem(id=message.id, response=message.response, gold=message.gold)


def verify_item_to_pb(item: VerifyItem | Mapping[str, Any]) -> pb.VerifyItem:
    if isinstance(item, Mapping):
        return pb.VerifyItem(id=str(item.get("id", "")), response=item["response"],
                             gold=item["gold"])
    return pb.VerifyItem(id=item.id, response=item.response, gold=item.gold)


def verify_request_to_pb(items: Sequence[VerifyItem | Mapping[str, Any]],
                         options: VerifyOptions | Mapping[str, Any] | None
                         ) -> pb.VerifyAnswersRequest:
    return pb.VerifyAnswersRequest(items=[verify_item_to_pb(i) for i in items],
                                   options=options_to_pb(options))


def result_to_pb(item_id: str, result: Result) -> pb.VerifyResult:
    message = pb.VerifyResult(id=item_id, verdict=VERDICT_TO_PB[result.verdict],
                              reward=result.reward, reason=result.reason,
                              elapsed_seconds=result.elapsed_s, extracted_by=result.extracted_by)
    if result.extracted is not None:
        message.extracted_answer = result.extracted
    return message


def result_from_pb(message: pb.VerifyResult) -> Result:
    extracted = message.extracted_answer if message.HasField("extracted_answer") else None
    return Result(verdict=PB_TO_VERDICT[message.verdict], reason=message.reason,
                  extracted=extracted, elapsed_s=message.elapsed_seconds,
                  extracted_by=message.extracted_by)


# -- ScoreSteps ----------------------------------------------------------------------------------

def steps_item_from_pb(message: pb.ScoreStepsItem, index: int) -> StepsItem:
    if message.steps and message.response:
        raise InvalidItem(f"items[{index}] gives both steps and response; give one",
                          field=f"items[{index}]")
    return StepsItem(id=message.id, problem=message.problem, steps=tuple(message.steps),
                     response=message.response)


def steps_item_to_pb(item: StepsItem | Mapping[str, Any]) -> pb.ScoreStepsItem:
    if isinstance(item, Mapping):
        item = StepsItem(id=str(item.get("id", "")), problem=item.get("problem", ""),
                         steps=tuple(item.get("steps") or ()), response=item.get("response", ""))
    return pb.ScoreStepsItem(id=item.id, problem=item.problem, steps=list(item.steps),
                             response=item.response)


def step_scores_to_pb(item_id: str, steps: Sequence[str], scores: StepScoresLike
                      ) -> pb.ScoreStepsResult:
    values = [float(s) for s in scores.scores]
    status = pb.StepStatus.Value(f"STEP_STATUS_{scores.status.name}")
    return pb.ScoreStepsResult(id=item_id, step_scores=values, status=status,
                               reason=scores.reason, aggregate=min(values, default=0.0),
                               steps=list(steps))


def steps_unscored_pb(item_id: str, steps: Sequence[str], status: str, reason: str
                      ) -> pb.ScoreStepsResult:
    """A result for an item the server did not send to the model ("too_long", "timeout")."""
    return pb.ScoreStepsResult(id=item_id, status=pb.StepStatus.Value(
        f"STEP_STATUS_{status.upper()}"), reason=reason, steps=list(steps))


def steps_result_from_pb(message: pb.ScoreStepsResult) -> StepsResult:
    status = pb.StepStatus.Name(message.status).removeprefix("STEP_STATUS_").lower()
    return StepsResult(id=message.id, step_scores=tuple(message.step_scores), status=status,
                       reason=message.reason, aggregate=message.aggregate,
                       steps=tuple(message.steps))


# -- ComputeReward -------------------------------------------------------------------------------
# Items and outcomes are `mathreward.rewards.RewardItem` / `RewardOutcome` and the spec is a
# `mathreward.reward_spec.RewardSpec` (or a preset name); read duck-typed here so that this module
# does not import the reward logic.

def reward_item_to_pb(item: Any) -> pb.ComputeRewardItem:
    if isinstance(item, Mapping):
        return pb.ComputeRewardItem(id=str(item.get("id", "")), problem=item.get("problem", ""),
                                    response=item["response"], gold=item.get("gold", ""),
                                    steps=list(item.get("steps") or ()))
    return pb.ComputeRewardItem(id=item.id, problem=item.problem, response=item.response,
                                gold=item.gold, steps=list(item.steps))


def reward_spec_to_pb(spec: Any) -> pb.RewardSpec:
    """A preset name, a RewardSpec message, or a domain RewardSpec (sent field by field)."""
    if isinstance(spec, str):
        return pb.RewardSpec(preset=spec)
    if isinstance(spec, pb.RewardSpec):
        return spec
    return pb.RewardSpec(
        orm_weight=spec.orm_weight, prm_weight=spec.prm_weight,
        prm_aggregation=pb.PrmAggregation.Value(f"PRM_AGGREGATION_{spec.prm_aggregation.name}"),
        gate_prm_by_orm=spec.gate_prm_by_orm, correct_reward=spec.correct_reward,
        incorrect_reward=spec.incorrect_reward,
        format_penalty_reward=spec.format_penalty_reward)


def reward_request_to_pb(items: Sequence[Any], spec: Any,
                         options: VerifyOptions | Mapping[str, Any] | None
                         ) -> pb.ComputeRewardRequest:
    return pb.ComputeRewardRequest(items=[reward_item_to_pb(i) for i in items],
                                   spec=reward_spec_to_pb(spec), options=options_to_pb(options))


def reward_outcome_from_pb(message: pb.ComputeRewardResult) -> Any:
    """A `mathreward.rewards.RewardOutcome` (imported here: only clients of ComputeReward pay)."""
    from mathreward.rewards import RewardOutcome

    return RewardOutcome(
        id=message.id, reward=message.reward,
        verdict=PB_TO_VERDICT.get(message.verdict, Verdict.NO_ANSWER),
        extracted=message.extracted_answer or None, reason=message.reason,
        step_scores=tuple(message.step_scores),
        prm_aggregate=message.prm_aggregate if message.prm_scored else None,
        extracted_by=message.extracted_by)


# -- ComputeReward, server side (owner: trainers/H6) ---------------------------------------------
# A request's spec: a preset name, else the fields. An absent or all-default spec means the
# plain outcome reward ("orm"), and a field spec whose three outcome values are all 0 uses the
# defaults 1 / 0 / 0 (proto3 cannot tell "unset" from 0; nobody wants an ORM that pays 0 always).

_PB_TO_AGGREGATION = {
    pb.PRM_AGGREGATION_UNSPECIFIED: "MIN", pb.PRM_AGGREGATION_MIN: "MIN",
    pb.PRM_AGGREGATION_PRODUCT: "PRODUCT", pb.PRM_AGGREGATION_MEAN: "MEAN",
    pb.PRM_AGGREGATION_LAST: "LAST",
}


def reward_spec_from_pb(message: pb.RewardSpec) -> Any:
    """The domain `RewardSpec`; InvalidOptions for an unknown preset or a non-finite number."""
    from mathreward.reward_spec import PrmAggregation, RewardSpec, SpecError, get_preset

    try:
        if message.preset:
            return get_preset(message.preset)
        if message == pb.RewardSpec():
            return get_preset("orm")
        outcome = (message.correct_reward, message.incorrect_reward, message.format_penalty_reward)
        if outcome == (0.0, 0.0, 0.0):
            outcome = (1.0, 0.0, 0.0)
        aggregation = _PB_TO_AGGREGATION.get(message.prm_aggregation)
        if aggregation is None:
            raise SpecError(f"unknown prm_aggregation {message.prm_aggregation}")
        # proto3 cannot tell an unset weight from 0: both weights 0 would pay 0 to every item
        # (a silently wrong reward), so it means the default weights (the outcome term alone),
        # as `RewardSpec()` and an all-default message do.
        orm_weight = message.orm_weight
        if orm_weight == 0.0 and message.prm_weight == 0.0:
            orm_weight = 1.0
        return RewardSpec(orm_weight=orm_weight, prm_weight=message.prm_weight,
                          prm_aggregation=PrmAggregation[aggregation],
                          gate_prm_by_orm=message.gate_prm_by_orm, correct_reward=outcome[0],
                          incorrect_reward=outcome[1], format_penalty_reward=outcome[2])
    except SpecError as exc:
        raise InvalidOptions(str(exc), field="spec") from None


def reward_item_from_pb(message: pb.ComputeRewardItem) -> Any:
    """A `mathreward.rewards.RewardItem`."""
    from mathreward.rewards import RewardItem

    return RewardItem(id=message.id, problem=message.problem, response=message.response,
                      gold=message.gold, steps=tuple(message.steps))


def reward_outcome_to_pb(outcome: Any) -> pb.ComputeRewardResult:
    """A `mathreward.rewards.RewardOutcome` as its result message."""
    return pb.ComputeRewardResult(
        id=outcome.id, reward=outcome.reward, verdict=VERDICT_TO_PB[outcome.verdict],
        extracted_answer=outcome.extracted or "", reason=outcome.reason,
        step_scores=list(outcome.step_scores),
        prm_aggregate=outcome.prm_aggregate if outcome.prm_aggregate is not None else 0.0,
        prm_scored=outcome.prm_scored, extracted_by=outcome.extracted_by)
