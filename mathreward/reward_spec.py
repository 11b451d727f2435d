"""RewardSpec: how one item's outcome verdict and process scores become one scalar reward.

A spec is plain data (frozen) plus pure arithmetic, so an ORM-vs-PRM ablation is a one-word
change (`--spec prm_min`) and the same numbers come out of the service, the CLI and the ablation
tool. The formula, for one item with verdict `v` and PRM step scores `s_1..s_k`:

    orm(v)   = correct_reward         if v is CORRECT
             = format_penalty_reward  if v is NO_ANSWER      (no final answer: a format failure)
             = incorrect_reward       otherwise (INCORRECT, UNPARSEABLE, TIMEOUT, RESOURCE_LIMIT)
    prm      = aggregate(s_1..s_k)    by min | product | mean | last step; 0.0 when the PRM could
                                      not score the item (no steps, too long, error)
    prm      = 0.0                    when gate_prm_by_orm and v is not CORRECT
    reward   = orm_weight * orm(v) + prm_weight * prm

The PRM is consulted only when `prm_weight != 0` (`needs_prm`), so ORM-only specs never touch
the model. Presets (see `PRESETS`) cover the published choices:

    orm                     1 / 0 outcome reward (DeepScaleR's training reward)
    orm_deepscaler          rllm's RewardConfig values: +1 correct, -1 incorrect, -1 format error
    orm_format_penalty      1 correct, 0 incorrect, -1 when there is no final answer
    prm_{min,prod,mean,last}            the PRM aggregate alone
    orm+prm_{min,prod,mean,last}        0.5 * orm + 0.5 * prm (a wrong answer with a clean-looking
                                        process still earns up to 0.5)
    orm_gated_prm_{min,prod,mean,last}  0.5 * orm + 0.5 * prm, prm counted only when CORRECT
                                        (correct answers rank by process quality; wrong get 0)
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from verifier.types import Verdict


class SpecError(ValueError):
    """A reward spec that cannot be used (unknown preset, non-finite number): a bad request."""


class PrmAggregation(enum.Enum):
    """How a solution's step scores collapse into one number in [0, 1]."""

    MIN = "min"  # the weakest step decides (Lightman et al.; Qwen2.5-Math-PRM's BoN choice)
    PRODUCT = "prod"  # P(all steps correct) if steps were independent
    MEAN = "mean"
    LAST = "last"  # the score after the final step


@dataclass(frozen=True)
class RewardSpec:
    """One reward recipe. Defaults = the plain 1/0 outcome reward."""

    orm_weight: float = 1.0
    prm_weight: float = 0.0
    prm_aggregation: PrmAggregation = PrmAggregation.MIN
    gate_prm_by_orm: bool = False  # the PRM term counts only when the verdict is CORRECT
    correct_reward: float = 1.0
    incorrect_reward: float = 0.0
    format_penalty_reward: float = 0.0  # reward when no final answer was found (NO_ANSWER)
    name: str = ""  # the preset it came from, for logs and tables ("" = custom)

    def __post_init__(self) -> None:
        for field in ("orm_weight", "prm_weight", "correct_reward", "incorrect_reward",
                      "format_penalty_reward"):
            value = getattr(self, field)
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise SpecError(f"reward spec field {field} must be a finite number, got {value!r}")
        # Each field finite is not enough: 1e308 * 1e308 (weight x reward) or the sum of two
        # huge terms overflows to inf. The largest |reward| any verdict and PRM score in [0, 1]
        # can give must be finite too, so no combination can answer inf or nan.
        worst = (abs(self.orm_weight) * max(abs(self.correct_reward), abs(self.incorrect_reward),
                                            abs(self.format_penalty_reward))
                 + abs(self.prm_weight))
        if not math.isfinite(worst):
            raise SpecError("reward spec values overflow: |orm_weight| x the largest |reward| + "
                            "|prm_weight| must be a finite number")

    @property
    def needs_prm(self) -> bool:
        """Whether the PRM has to run for this spec (ORM-only specs never load the model)."""
        return self.prm_weight != 0.0

    @property
    def label(self) -> str:
        return self.name or describe(self)


def describe(spec: RewardSpec) -> str:
    """A short human-readable formula for a custom spec (used where it has no preset name)."""
    parts = []
    if spec.orm_weight:
        parts.append(f"{spec.orm_weight:g}*orm({spec.correct_reward:g}/{spec.incorrect_reward:g}"
                     f"/{spec.format_penalty_reward:g})")
    if spec.prm_weight:
        gate = "[gated]" if spec.gate_prm_by_orm else ""
        parts.append(f"{spec.prm_weight:g}*prm_{spec.prm_aggregation.value}{gate}")
    return " + ".join(parts) or "0"


def orm_value(spec: RewardSpec, verdict: Verdict) -> float:
    """The outcome part of the reward for one verdict (before `orm_weight`)."""
    if verdict is Verdict.CORRECT:
        return spec.correct_reward
    if verdict is Verdict.NO_ANSWER:
        return spec.format_penalty_reward
    return spec.incorrect_reward


def aggregate(scores: Sequence[float], how: PrmAggregation) -> float | None:
    """Collapse step scores into one number; None when there are no steps to aggregate."""
    if not scores:
        return None
    if how is PrmAggregation.MIN:
        return float(min(scores))
    if how is PrmAggregation.PRODUCT:
        return float(math.prod(scores))
    if how is PrmAggregation.MEAN:
        return math.fsum(scores) / len(scores)
    return float(scores[-1])


def combine(spec: RewardSpec, verdict: Verdict, prm_aggregate: float | None) -> float:
    """The final reward (module docstring formula). `prm_aggregate` None = PRM not available."""
    reward = spec.orm_weight * orm_value(spec, verdict) if spec.orm_weight else 0.0
    if spec.needs_prm:
        prm = prm_aggregate if prm_aggregate is not None else 0.0
        if spec.gate_prm_by_orm and verdict is not Verdict.CORRECT:
            prm = 0.0
        reward += spec.prm_weight * prm
    return reward


def _build_presets() -> dict[str, RewardSpec]:
    presets = {
        "orm": RewardSpec(),
        "orm_deepscaler": RewardSpec(correct_reward=1.0, incorrect_reward=-1.0,
                                     format_penalty_reward=-1.0),
        "orm_format_penalty": RewardSpec(format_penalty_reward=-1.0),
    }
    for agg in PrmAggregation:
        presets[f"prm_{agg.value}"] = RewardSpec(orm_weight=0.0, prm_weight=1.0,
                                                 prm_aggregation=agg)
        presets[f"orm+prm_{agg.value}"] = RewardSpec(orm_weight=0.5, prm_weight=0.5,
                                                     prm_aggregation=agg)
        presets[f"orm_gated_prm_{agg.value}"] = RewardSpec(orm_weight=0.5, prm_weight=0.5,
                                                           prm_aggregation=agg,
                                                           gate_prm_by_orm=True)
    return {name: replace(spec, name=name) for name, spec in presets.items()}


PRESETS: dict[str, RewardSpec] = _build_presets()  # read-only after import
DEFAULT_SPEC = PRESETS["orm"]
PRESET_ECHO_CHARS = 200  # an unknown preset name is echoed in the error up to this length


def get_preset(name: str) -> RewardSpec:
    """The preset called `name` (aliases: `prm_product` = `prm_prod`); SpecError if unknown."""
    key = name.strip().lower().replace("product", "prod")
    try:
        return PRESETS[key]
    except KeyError:
        known = ", ".join(PRESETS)
        shown = repr(name[:PRESET_ECHO_CHARS]) + ("..." if len(name) > PRESET_ECHO_CHARS else "")
        raise SpecError(f"unknown reward spec preset {shown}; known: {known}") from None


def parse_spec_list(text: str) -> list[RewardSpec]:
    """`"orm,prm_min"` -> the presets, in order, without duplicates (for `--specs`)."""
    names = [part for part in (p.strip() for p in text.split(",")) if part]
    if not names:
        raise SpecError("empty spec list")
    specs: list[RewardSpec] = []
    for name in names:
        spec = get_preset(name)
        if spec not in specs:
            specs.append(spec)
    return specs
