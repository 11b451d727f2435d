"""The per-request options of docs/grading-policy.md: require_think, rel_tol, percent_as_fraction.

Run: .venv/bin/pytest tests/verifier/test_options.py -q
"""

from __future__ import annotations

import pytest

from verifier.types import Verdict, VerifyOptions
from verifier.verify import verify

THINK = VerifyOptions(require_think=True)
PERCENT = VerifyOptions(percent_as_fraction=True)


def tol(x: float) -> VerifyOptions:
    return VerifyOptions(rel_tol=x)


@pytest.mark.parametrize(
    ("gold", "response", "options", "expected"),
    [
        ("5", "<think>a</think>\\boxed{5}", THINK, True),
        ("5", "\\boxed{5}", THINK, False),
        ("5", "a</think>\\boxed{5}", THINK, False),
        ("5", "a</think>\\boxed{5}", VerifyOptions(), True),
        ("0.5", "\\boxed{50\\%}", PERCENT, True),
        ("50\\%", "\\boxed{0.5}", PERCENT, True),
        ("50\\%", "\\boxed{50}", PERCENT, True),
        ("50\\%", "\\boxed{5}", PERCENT, False),
        ("0.5", "\\boxed{50\\%}", VerifyOptions(), False),
        ("3.14", "\\boxed{\\pi}", tol(1e-3), True),
        ("\\pi", "\\boxed{3.14}", tol(1e-3), True),
        ("\\pi", "\\boxed{3.14}", tol(1e-6), False),
        ("100", "\\boxed{100.0001}", tol(1e-4), True),
        ("100", "\\boxed{101}", tol(1e-4), False),
        ("\\frac13", "\\boxed{0.333}", tol(1e-2), True),
        ("\\frac13", "\\boxed{0.333}", VerifyOptions(), False),
    ],
)
def test_option(gold: str, response: str, options: VerifyOptions, expected: bool) -> None:
    assert verify(response, gold, options).correct is expected


def test_no_answer_reasons_name_the_rule() -> None:
    assert "think" in verify("\\boxed{5}", "5", THINK).reason
    result = verify("<think>\\boxed{5}", "5")
    assert result.verdict is Verdict.NO_ANSWER and "think" in result.reason
    result = verify("\\boxed{5} \\boxed{6", "5")
    assert result.verdict is Verdict.NO_ANSWER and "closed" in result.reason


def test_never_raises_on_odd_input() -> None:
    for response, gold in [
        (None, "1"),
        ("\\boxed{1}", None),
        ("\\boxed{}}}{{", "1"),
        ("\\boxed{1}", ""),
    ]:
        result = verify(response, gold)  # type: ignore[arg-type]
        assert result.verdict is not Verdict.CORRECT
        assert result.reason


def test_numeric_gold_and_missing_options() -> None:
    """Data sets that store the gold as a JSON number; options=None means the defaults."""
    assert verify("\\boxed{42}", 42).correct  # type: ignore[arg-type]
    assert verify("\\boxed{\\frac12}", 0.5).correct  # type: ignore[arg-type]
    assert not verify("\\boxed{1}", True).correct  # type: ignore[arg-type]
    assert verify("\\boxed{1}", "1", None).correct  # type: ignore[arg-type]
