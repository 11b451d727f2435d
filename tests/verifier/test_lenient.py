"""Lenient extraction (grading-policy rule 4, `VerifyOptions(extraction="lenient")`).

Run: .venv/bin/pytest tests/verifier/test_lenient.py -q
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.extract import extract
from verifier.lenient import drop_assignment
from verifier.types import Verdict, VerifyOptions
from verifier.verify import verify

LENIENT = VerifyOptions(extraction="lenient")
STRICT = VerifyOptions()


def _lenient(response: str) -> tuple[str | None, str]:
    found = extract(response, LENIENT)
    return found.answer, found.rule


# -- rule 1: "Final answer" / "Answer", with or without a colon, same or next line ----------

@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("Adding them up.\n\n**Final Answer**\n\n$\\frac{3}{4}$", "\\frac{3}{4}"),
        ("## Final Answer\n\\[\n x = 2\n\\]\n", "x = 2"),
        ("We are done.\nFinal answer 42", "42"),
        ("So the answer is:\n\n\\[ 17 \\]", "17"),
        ("Answer:\n  -3", "-3"),
        ("### Answer\n$12\\sqrt{2}$ square units", "12\\sqrt{2}"),
        ("Final Answer - 9", "9"),
    ],
)
def test_final_answer_heading(response: str, expected: str) -> None:
    assert extract(response).answer is None  # strict reads none of these
    assert _lenient(response) == (expected, "lenient_final_answer")


# -- rule 2: the last math span of the final sentence ------------------------------------------

@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("So the total area is $12\\pi$ square units.", "12\\pi"),
        ("First $a=1$. Then the sum is $a + 5 = 6$, which gives $6$.", "6"),
        ("Thus the sum is\n\\[\n 42.\n\\]", "42"),
        ("Hence we get \\(\\frac{5}{2}\\)", "\\frac{5}{2}"),
        ("Therefore $$x = \\sqrt{3}$$", "x = \\sqrt{3}"),
    ],
)
def test_last_math_span_of_final_sentence(response: str, expected: str) -> None:
    assert extract(response).answer is None
    assert _lenient(response) == (expected, "lenient_math_span")


# -- rule 3: the last number of the final sentence ---------------------------------------------

@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("Janet makes 9 * 2 = $18 every day at the market.", "18"),
        ("In total, she has 5 apples.", "5"),
        ("The probability is 3/4.", "3/4"),
        ("So the total cost is 1,250 dollars.", "1,250"),
        ("The temperature drops to -5 degrees", "-5"),
        ("Thus f(1) = 23.", "23"),
        ("It costs 2.75 per pound", "2.75"),
        ("So 60 - 40 = 20 cups are left\nA: 20", "20"),  # a labelled last line
        ("Total: 1,500", "1,500"),
        ("Thus, Janet makes **$18** every day.", "18"),  # markdown bold is not maths
        ("So the area of the garden is 36 m^2.", "36"),  # a unit's exponent is not it
        ("The volume is 125 cm^3 in total", "125"),
    ],
)
def test_last_number_of_final_sentence(response: str, expected: str) -> None:
    assert extract(response).answer is None
    assert _lenient(response) == (expected, "lenient_last_number")


@pytest.mark.parametrize(
    "response",
    [
        "She has 18 apples left. I hope this helps!",  # the final sentence has no number
        "The solutions are 2 and 3.",  # a list is never its last element
        "The solutions are 2, 3.",
        "It is either 4 or 5",  # a hedge
        "We get x^2 + 1",  # a number inside a formula
        "So we get x^2",  # a variable's exponent alone is not a number answer
        "The ratio is 1:2",
        "The ratio is 3 : 4",
        "It equals 4! in the end",  # a factorial is not the number
        "So we multiply to get 2 * 9",  # a single star is multiplication
        "Let me think about this problem",
        "",
    ],
)
def test_lenient_finds_nothing(response: str) -> None:
    found = extract(response, LENIENT)
    assert found.answer is None and found.rule == ""


# -- the strict rules come first; lenient never reads past truncation --------------------------

def test_prose_after_an_answer_heading_is_not_the_answer() -> None:
    response = "## Answer\n\nTo find the total we add the two parts.\n\nSo the total is $12$."
    assert _lenient(response) == ("12", "lenient_math_span")
    assert _lenient("**Answer**\nWe need to add both of them first. The sum is 9") == (
        "9", "lenient_last_number")


def test_strict_rules_win_in_lenient_mode() -> None:
    assert _lenient("The value is $7$.\n\\boxed{8}") == ("8", "boxed")
    assert _lenient("The answer is 6.\n**Final Answer**\n9") == ("6", "answer_statement")
    assert _lenient("blah\n#### 3\nSo 4 is wrong.") == ("3", "gsm8k_hash")


@pytest.mark.parametrize(
    "response",
    [
        "The sum is $5$. \\boxed{5",  # last box unclosed: truncated output
        "<think>the sum is $5$.",  # unfinished thinking
        "<think>a</think>So 5. <think>more",
    ],
)
def test_lenient_does_not_rescue_truncated_output(response: str) -> None:
    assert extract(response, LENIENT).answer is None


def test_strict_is_the_default() -> None:
    assert VerifyOptions().extraction == "strict"
    result = verify("So the total area is $12$ square units.", "12")
    assert result.verdict is Verdict.NO_ANSWER and result.extracted_by == ""
    lenient = verify("So the total area is $12$ square units.", "12", LENIENT)
    assert lenient.correct and lenient.extracted_by == "lenient_math_span"


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="extraction"):
        VerifyOptions(extraction="loose")


# -- every verdict names its rule ------------------------------------------------------------

@pytest.mark.parametrize(
    ("response", "options", "rule"),
    [
        ("so \\boxed{4}", STRICT, "boxed"),
        ("The answer is 4.", STRICT, "answer_statement"),
        ("2 + 2 = 4\n#### 4", STRICT, "gsm8k_hash"),
        ("**Final Answer**\n4", LENIENT, "lenient_final_answer"),
        ("We find $4$.", LENIENT, "lenient_math_span"),
        ("We find 4 of them.", LENIENT, "lenient_last_number"),
        ("We find 4 of them.", STRICT, ""),
    ],
)
def test_extracted_by(response: str, options: VerifyOptions, rule: str) -> None:
    result = verify(response, "4", options)
    assert result.extracted_by == rule
    assert result.correct is bool(rule)


# -- a leading assignment to a function value or expression (lenient only) -------------------

@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("f(1) = 23", "23"),
        ("AB = 4", "4"),
        ("\\angle ABC = 30^\\circ", "30^\\circ"),
        ("m + n = 17", "17"),
        ("\\text{Area} = 12", "12"),
        ("g(x) := x^2", "x^2"),
        # not assignments: left alone
        ("4! = 24", "4! = 24"),  # no letter on the left: a chain for the comparison
        ("a = b = 3", "a = b = 3"),
        ("x \\le 3", "x \\le 3"),
        ("x != 3", "x != 3"),
        ("= 5", "= 5"),
        ("f(x=1)", "f(x=1)"),
    ],
)
def test_drop_assignment(answer: str, expected: str) -> None:
    assert drop_assignment(answer) == expected


@pytest.mark.parametrize(
    ("response", "gold"),
    [
        ("\\boxed{f(1) = 23}", "23"),
        ("\\boxed{AB = 4}", "4"),
        ("\\boxed{m+n = 17}", "17"),
        ("The final answer is $BC = 2\\sqrt{5}$.", "2\\sqrt5"),
    ],
)
def test_assignment_dropped_in_lenient_mode_only(response: str, gold: str) -> None:
    assert verify(response, gold, LENIENT).correct
    assert not verify(response, gold, STRICT).correct


@pytest.mark.parametrize(
    ("response", "gold"),
    [
        ("\\boxed{f(1) = 23}", "24"),  # the value still has to be right
        ("\\boxed{AB = 4}", "AB = 5"),  # an equation gold is compared as an equation
        ("The final answer is 4! = 24.", "4"),  # a chain is never its first term
        ("\\boxed{4! = 24}", "4"),
    ],
)
def test_assignment_drop_never_pays_a_wrong_value(response: str, gold: str) -> None:
    assert not verify(response, gold, LENIENT).correct


# -- any text: extraction never raises, and an answer always names its rule --------------------

_PIECES = st.sampled_from(
    ["\\boxed{", "\\fbox{", "{", "}", "$", "$$", "\\(", "\\)", "\\[", "\\]", "\\", ".", "!", "?",
     "\n", " ", "The answer is ", "Answer:", "**Final Answer**", "####", "#", "4", "2.5", "-",
     "=", "f(1)", "e.g.", "x", "<think>", "</think>", ",", ":", "and", "or", "(", ")", "*"]
)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(_PIECES, max_size=40))
def test_any_text_extracts_cleanly(pieces: list[str]) -> None:
    text = "".join(pieces)
    for options in (STRICT, LENIENT):
        found = extract(text, options)
        if found.answer is None:
            assert found.rule == "" and found.reason
        else:
            assert found.rule and found.answer == found.answer.strip()
            assert found.answer or found.rule == "boxed"  # `\boxed{}` is an empty answer
        if options is STRICT:
            assert not found.rule.startswith("lenient")
