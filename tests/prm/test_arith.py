"""The exact arithmetic checker behind the PRM's input features: no eval, no false alarms on
algebra, exact on Fractions."""

from __future__ import annotations

import pytest

from prm.arith import equations, step_features


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("3 + 4 = 7", [True]),
        ("Step 2: 3 + 4 = 8.", [False]),
        ("$12 \\times 5 = $60", [True]),
        ("1,200 / 3 = 400 apples", [True]),
        ("<<3*4=12>>12", [True]),
        ("\\frac{1}{2} \\cdot 48 = 24", [True]),
        ("20% of 50 = 10", [True]),
        ("10/50 × 100 = 20%", [True]),
        ("10/3 = 3.33", [True]),  # a rounded decimal result is fine
        ("10/3 = 3.4", [False]),
        ("5 apples + 3 apples = 8 apples", [True]),
        ("40 divided by 2 = 20", [True]),
        ("comes to 54 - 1 + 14, which is 67 trees", [True]),
        ("3 + 4 is 8", [False]),
        ("(3 + 4 = 8)", [False]),
        ("2 \\times (3+4) = 14 = 15", [True, False]),
        ("3 + 4 = 7 + 1 = 8", [True, True]),  # running total
        ("123456789012345678901234567890 + 1 = 123456789012345678901234567890", [False]),
    ],
)
def test_equations(text, holds):
    assert [e.holds for e in equations(text)] == holds


@pytest.mark.parametrize(
    "text",
    ["2x + 3 = 11", "x = 5", "2(3 + 4) = 15", "The answer is 5.", "9^99999 = 1",
     "1/0 = 3", "a = b", "x is 5", "2 more than 3 is 5"],
)
def test_not_checked(text):
    assert equations(text) == []


def test_features_flag_bad_equation_and_new_operand():
    problem = "Tom has 45 apples and gives half of them away."
    feats = step_features(problem, ["45 / 2 = 22.5", "54 / 2 = 27", "45 / 2 = 23",
                                    "22.5 - 2 = 20.5"])
    assert [(f.eq_bad, f.eq_ok, f.num_new) for f in feats] == [
        (False, True, False), (False, True, True), (True, False, False), (False, True, False)]
