"""prm.arith.strict_features: `eq_bad_strict` fires on a wrong plain computation and stays quiet
on correct LaTeX that the evaluator misreads (issue 17); the bundled model's features are
unchanged. Hand-written steps."""

from __future__ import annotations

import pytest

from prm import arith

PROBLEM = "Solve the problem."


@pytest.mark.parametrize("step", [
    r"We have \(r_1 + r_2 + r_3 = 10\).",  # subscripts
    r"Thus \(\sqrt{7056} = 84\).",
    r"Then \(2x - xy = 2(10) - (10)(2) = 20 - 20 = 0\).",  # implicit products
    r"Therefore \(BD = \frac{BC}{2} = \frac{12}{2} = 6\).",  # a fraction of a length
    "The time is 6:45 - 60 minutes = 5:45.",  # clock times
    r"Then \(\pi(6)^2 - \pi(4)^2 = 20\pi\).",
    r"Third, \(9 \div 7 = 1\) with a remainder of \(2\).",
])
def test_correct_latex_that_eq_bad_misreads_is_not_flagged_strictly(step):
    assert arith.step_features(PROBLEM, [step])[0].eq_bad  # the loose flag fires (the defect)
    assert arith.strict_features(PROBLEM, [step]) == [(False,)]


@pytest.mark.parametrize("step", [
    r"So \(3 + 4 = 8\) apples.",
    r"So \(\frac{3}{4} \times 8 = 5\).",
    "She pays 12 * 3 = 38 dollars.",
])
def test_wrong_plain_computation_is_flagged(step):
    assert arith.strict_features(PROBLEM, [step]) == [(True,)]


def test_original_features_unchanged_and_strict_one_is_a_named_marker():
    """The six original features keep their order (checkpoints that list no features read the
    first three); the strict one is a marker a checkpoint may name, and user text carrying it is
    neutralised like the others (its string is in MARKERS, which the guard strips)."""
    assert arith.FEATURES == ("eq_bad", "eq_ok", "num_new", "unexplained", "result_up",
                              "result_down")
    assert arith.ALL_FEATURES == (*arith.FEATURES, "eq_bad_strict")
    assert "<eq_bad_strict>" in arith.MARKERS
    feats = arith.step_features(PROBLEM, ["She pays 12 * 3 = 38 dollars.", r"$r_3 = 10$"])
    assert [f.flags(arith.STRICT_FEATURES) for f in feats] == [(True,), (False,)]
