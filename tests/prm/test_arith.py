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


def test_a_number_stated_earlier_in_the_same_step_is_known():
    problem = "Tom buys 12 pens at 3 dollars each and 5 pads at 2 dollars each."
    (f,) = step_features(problem, ["Pens cost 36 dollars. Pads cost 10 dollars. "
                                   "In total 36 + 10 = 46 dollars."])
    assert (f.eq_ok, f.num_new, f.unexplained) == (True, False, False)


def test_unexplained_flags_a_bare_result_no_single_operation_gives():
    problem = "Tom has 40 apples and eats 9 of them."
    feats = step_features(problem, ["He has 31 apples left.", "So 32 apples remain.",
                                    "The answer is 31."])
    assert [f.unexplained for f in feats] == [False, True, False]
    assert not any(f.eq_bad or f.num_new for f in feats)


def test_result_direction_of_the_last_computation():
    problem = "Tom has 45 apples and gives half of them away."
    feats = step_features(problem, ["45 / 2 = 22.5", "22.5 + 3 = 25.5", "The answer is 22.5.",
                                    "45 - 40 = 5. Then 5 * 3 = 15."])
    assert [(f.result_up, f.result_down) for f in feats] == [
        (False, True), (True, False), (False, False), (True, False)]


def test_sub_computations_and_fractions_are_known_operands():
    problem = "A jar has 8 bags of 45 beads and 5 bags of 75 beads. Ann uses 1/3 and 1/4 of them."
    feats = step_features(problem, [
        "$45 \\times 8 + 75 \\times 5 = 360 + 375 = 735$ beads.",
        "The fraction used is $\\frac{1}{3} + \\frac{1}{4} = \\frac{7}{12}$.",
    ])
    assert [(f.eq_ok, f.num_new) for f in feats] == [(True, False), (True, False)]
    assert (feats[1].result_up, feats[1].result_down) == (True, False)  # 7/12 > 1/3, 1/4


def test_many_numbers_do_not_blow_up_the_closure():
    """A hostile step with thousands of distinct numbers: the quadratic closure is skipped."""
    problem = "Tom has 40 apples."
    flood = " ".join(str(n) for n in range(1, 5000))
    first, second = step_features(problem, [f"He sees {flood} apples.", "So 123457 remain."])
    assert first.unexplained  # few numbers known yet: checked, and nothing explains them
    assert not second.unexplained  # 5,000 written numbers: the closure is not attempted
