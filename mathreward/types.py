"""Service-level domain types of ScoreSteps (`verifier.types` covers VerifyAnswers).

Plain frozen data with no grpc or torch imports, so a trainer can use the client without the
PRM extra. `convert.py` is the only place that maps them to and from protobuf. ComputeReward's
types live with its logic in `mathreward/rewards.py`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepsItem:
    """One solution whose steps to score: `steps`, or a `response` the server splits."""

    id: str
    problem: str
    steps: tuple[str, ...] = ()
    response: str = ""


@dataclass(frozen=True)
class StepsResult:
    """One solution's step scores; `status`: "ok", "too_long", "no_steps", "error", "timeout"."""

    id: str
    step_scores: tuple[float, ...]
    status: str
    reason: str = ""
    aggregate: float = 0.0  # min of step_scores; 0 when there are none
    steps: tuple[str, ...] = ()  # the steps as scored (after the server's split)

    @property
    def ok(self) -> bool:
        return self.status == "ok"
