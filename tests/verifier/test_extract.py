"""Extraction rules 1-5 of GRADING.md: where the final answer is.

Run: .venv/bin/pytest tests/verifier/test_extract.py -q
"""

from __future__ import annotations

import pytest

from verifier.extract import extract, extract_answer, strip_gold
from verifier.types import VerifyOptions

REQUIRE_THINK = VerifyOptions(require_think=True)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("so \\boxed{5}.", "5"),
        ("\\boxed{2} no wait \\boxed{3}", "3"),
        ("\\boxed{\\boxed{7}}", "7"),
        ("\\fbox{8}", "8"),
        ("\\boxed 5 is it", "5"),
        ("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
        ("\\boxed{\\{1,2\\}}", "\\{1,2\\}"),
        ("<think>\\boxed{1}</think> final \\boxed{2}", "2"),
        ("<think>a</think>b</think> \\boxed{4}", "4"),
        ("The answer is 42.", "42"),
        ("The final answer is $\\frac{1}{2}$. Done", "\\frac{1}{2}"),
        ("blah\nAnswer: 3.5\nmore text", "3.5"),
        ("**Answer:** 12", "12"),
        ("the answer is 7. But actually the answer is 9.", "9"),
    ],
)
def test_extracts(response: str, expected: str) -> None:
    assert extract_answer(response) == expected


@pytest.mark.parametrize(
    "response",
    [
        "<think>so the answer is \\boxed{5}",  # unfinished thinking
        "<think>a</think>\\boxed{5} <think>wait",  # a second think block never closed
        "\\boxed{5} and then \\boxed{6",  # last box unclosed, earlier box complete
        "we get 42 apples",  # no last-number fallback
        "",
        "\\boxed",
    ],
)
def test_no_answer(response: str) -> None:
    assert extract_answer(response) is None
    assert extract(response).reason


def test_require_think() -> None:
    assert extract_answer("\\boxed{5}", REQUIRE_THINK) is None
    assert extract_answer("x</think>\\boxed{5}", REQUIRE_THINK) is None
    assert extract_answer("<think>x</think>\\boxed{5}", REQUIRE_THINK) == "5"


@pytest.mark.parametrize(
    ("gold", "expected"),
    [
        ("$5$", "5"),
        ("\\(x+1\\)", "x+1"),
        ("\\[ \\frac12 \\]", "\\frac12"),
        ("\\boxed{3}", "3"),
        ("  $\\boxed{4}$ ", "4"),
        ("$$7$$", "7"),
    ],
)
def test_strip_gold(gold: str, expected: str) -> None:
    assert strip_gold(gold) == expected
