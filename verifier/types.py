"""Domain types of the outcome verifier: options in, one verdict per item out.

These are the contract between `verifier/`, the worker pool and the service; they hold plain
data only (picklable, frozen) so they cross process boundaries unchanged.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

EXTRACTION_MODES = ("strict", "lenient")


class Verdict(enum.Enum):
    """Why an item got its reward. Only CORRECT pays."""

    CORRECT = "correct"
    INCORRECT = "incorrect"
    NO_ANSWER = "no_answer"  # no final answer found (no box, unfinished <think>, unclosed box)
    UNPARSEABLE = "unparseable"  # an answer was found but is not maths we can read (or is code)
    TIMEOUT = "timeout"  # the per-item wall-clock budget (or the request deadline) ran out
    RESOURCE_LIMIT = "resource_limit"  # refused by a pre-check or the worker's memory cap


@dataclass(frozen=True)
class VerifyOptions:
    """The per-request options of docs/grading-policy.md (defaults = the policy)."""

    require_think: bool = False  # DeepScaleR's format gate: both <think> and </think> required
    rel_tol: float = 0.0  # 0 = exact; > 0 allows |a-b| <= rel_tol*max(|a|,|b|) for real numbers
    percent_as_fraction: bool = False  # allow 50\% == 0.5
    # Where the final answer is read (grading-policy rule 4): "strict" (the default, for RL) or
    # "lenient" (for evaluating instruct models: also "Final answer" headings, the last math
    # span or number of the final sentence, when the strict rules find nothing).
    extraction: str = "strict"

    def __post_init__(self) -> None:
        if self.extraction not in EXTRACTION_MODES:
            raise ValueError(
                f"extraction must be one of {', '.join(EXTRACTION_MODES)}, got {self.extraction!r}"
            )


@dataclass(frozen=True)
class VerifyItem:
    """One response to grade against its ground truth."""

    id: str
    response: str
    gold: str


@dataclass(frozen=True)
class Result:
    """One item's verdict, with a short human-readable reason and the extracted answer text."""

    verdict: Verdict
    reason: str = ""
    extracted: str | None = None
    elapsed_s: float = 0.0  # wall time spent grading in the worker (0 for cache hits)
    # The extraction rule that produced `extracted` ("boxed", "answer_statement", "gsm8k_hash",
    # "lenient_final_answer", "lenient_math_span", "lenient_last_number"); "" when none did.
    extracted_by: str = ""

    @property
    def correct(self) -> bool:
        return self.verdict is Verdict.CORRECT

    @property
    def reward(self) -> float:
        return 1.0 if self.verdict is Verdict.CORRECT else 0.0
