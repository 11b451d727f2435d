"""prm_train.real_data / gsm8k_errors / math_errors on hand-written solutions (our own text, in
the layouts of GSM8K and MATH): splitting, each error kind edits the step it claims and keeps
later steps consistent (or cuts them), labels, seeded determinism."""

from __future__ import annotations

import json
import os
import random
import re
from fractions import Fraction

import pytest

from prm_train import gsm8k_errors, math_errors, real_data
from prm_train.calc import annotate_visible, evaluate, strip_annotations

PROBLEM = ("A baker makes 12 muffins each hour for 5 hours. She sells 38 of them and gives 7 to a "
           "friend. How many muffins are left?")
ANSWER = ("She makes 12*5 = <<12*5=60>>60 muffins.\n"
          "After selling, she has 60-38 = <<60-38=22>>22 muffins.\n"
          "After the gift, 22-7 = 15 muffins are left.\n#### 15")  # last line unannotated
SUM_PROBLEM = "Ana has 3 red, 4 blue and 6 green pens. She gives away 2. How many are left?"
SUM_ANSWER = ("She has 3+4+6 = <<3+4+6=13>>13 pens.\nThen 13-2 = <<13-2=11>>11 pens are left.\n"
              "#### 11")
MATH_PROBLEM = r"Find all real $x$ with $x^2 - 5x + 6 < 0$."
MATH_SOLUTION = (r"We factor: $x^2 - 5x + 6 = (x-2)(x-3)$. The product is negative when exactly "
                 r"one factor is negative, so \[2 < x < 3.\]Hence the answer is "
                 r"$\boxed{(2,3)}$.")
CALC = re.compile(r"(\d+(?:\.\d+)?(?:\s*[-+*/]\s*\d+(?:\.\d+)?)+)\s*=\s*(\d+(?:\.\d+)?)")


def _computations(step: str) -> list[tuple[Fraction | None, Fraction]]:
    return [(evaluate(m.group(1)), Fraction(m.group(2))) for m in CALC.finditer(step)]


def _answer(step: str) -> Fraction:
    return Fraction(re.search(r"The answer is (\S+?)\.$", step).group(1))


def _check_consistent_after(steps: list[str], label: int) -> None:
    """Every written computation after the first error holds, and the answer is the last one."""
    for step in steps[label + 1 :]:
        for value, stated in _computations(step):
            assert value == stated, step
    last = _computations(steps[-1])
    if last:
        assert _answer(steps[-1]) == last[-1][1]


def test_split_gsm8k_lines_annotations_kept_answer_folded_in():
    lines = real_data.split_gsm8k(ANSWER)
    assert [strip_annotations(x) for x in lines] == [
        "She makes 12*5 = 60 muffins.", "After selling, she has 60-38 = 22 muffins.",
        "After the gift, 22-7 = 15 muffins are left. The answer is 15."]
    assert "<<22-7=15>>" in lines[2]  # the unannotated computation got an annotation


def test_annotate_visible_only_annotates_correct_plain_computations():
    assert annotate_visible("so 3 x 4 = 12 pies") == "so 3 x 4 = <<3*4=12>>12 pies"
    assert annotate_visible("so 3 + 4 = 8 pies") == "so 3 + 4 = 8 pies"  # wrong: left alone
    assert annotate_visible("then 2x = 8") == "then 2x = 8"  # algebra, not arithmetic


def test_split_math_sentences_with_display_kept_in_its_sentence():
    steps = real_data.split_math(MATH_SOLUTION)
    assert steps == [
        r"We factor: $x^2 - 5x + 6 = (x-2)(x-3)$.",
        r"The product is negative when exactly one factor is negative, so \[2 < x < 3.\]",
        r"Hence the answer is $\boxed{(2,3)}$."]


def _site(lines: list[str], k: int) -> gsm8k_errors.Site:
    return next(s for s in gsm8k_errors.sites(lines) if s.k == k)


@pytest.mark.parametrize(("kind", "k", "want_step", "want_answer"), [
    ("wrong_operation", 1, "After selling, she has 60+38 = 98 muffins.", 91),
    ("arithmetic", 0, None, None),
    ("off_by_one", 0, None, None),
    ("misread_number", 0, None, None),
    ("wrong_quantity", 1, None, None),
    ("unjustified_claim", 1, None, None),
])
def test_each_gsm8k_error_changes_its_step_and_propagates(kind, k, want_step, want_answer):
    lines = real_data.split_gsm8k(ANSWER)
    correct = [strip_annotations(x) for x in lines]
    fn = gsm8k_errors.INJECTORS[kind][0]
    out = next(r for seed in range(50) if (r := fn(PROBLEM, lines, _site(lines, k),
                                                    random.Random(seed))) is not None)
    steps = [strip_annotations(x) for x in out.lines]
    assert out.label == k and out.propagated and len(steps) == len(correct)
    assert steps[:k] == correct[:k] and steps[k] != correct[k]
    _check_consistent_after(steps, k)
    assert _answer(steps[-1]) != 15
    if want_step is not None:
        assert steps[k] == want_step and _answer(steps[-1]) == want_answer
    if kind == "misread_number":  # 12 read as 21, or the 5 misread as a far-off digit
        assert steps[k] in {"She makes 21*5 = 105 muffins."} | {
            f"She makes 12*{d} = {12 * d} muffins." for d in (0, 1, 2, 3, 7, 8, 9)}
    if kind == "arithmetic":  # the slip is in the written result: the computation fails
        assert any(v != s for v, s in _computations(steps[k]))
    elif kind == "unjustified_claim":  # the work is gone, a wrong value is claimed
        assert "=" not in steps[k] and "22" not in steps[k]
    else:  # a conceptual error computes correctly from the wrong thing
        assert all(v == s for v, s in _computations(steps[k]))


def test_dropped_term_leaves_one_term_out():
    lines = real_data.split_gsm8k(SUM_ANSWER)
    out = gsm8k_errors.dropped_term(SUM_PROBLEM, lines, _site(lines, 0), random.Random(0))
    steps = [strip_annotations(x) for x in out.lines]
    assert out.label == 0 and out.propagated
    assert steps[0] in {"She has 4+6 = 10 pens.", "She has 3+6 = 9 pens.",
                        "She has 3+4 = 7 pens."}
    _check_consistent_after(steps, 0)


def test_later_equation_that_cannot_be_recomputed_cuts_after_the_error():
    lines = [*real_data.split_gsm8k(SUM_ANSWER)[:1], "Let x be what she keeps, so 2x = 22.",
             "So x = 11. The answer is 11."]
    out = gsm8k_errors.wrong_operation(SUM_PROBLEM, lines, _site(lines, 0), random.Random(0))
    assert out.label == 0 and not out.propagated and len(out.lines) == 1


def test_changed_value_that_is_also_a_given_number_cuts_after_the_error():
    # 3+4+6 = 13 -> '3+4-6 = 1' ... a result equal to no given number propagates; make the old
    # result (13) a number of the problem: rewriting '13' later would be a guess
    problem = SUM_PROBLEM + " Her brother has 13 pens."
    lines = real_data.split_gsm8k(SUM_ANSWER)
    out = gsm8k_errors.arithmetic(problem, lines, _site(lines, 0), random.Random(0))
    assert out.label == 0 and not out.propagated and len(out.lines) == 1


@pytest.mark.parametrize(("kind", "k", "want"), [
    ("inequality_direction", 1, r"so \[2 > x < 3.\]"),
    ("wrong_operation", 0, r"We factor: $x^2 + 5x + 6 = (x-2)(x-3)$."),
    ("wrong_formula", 0, r"We factor: $x^3 - 5x + 6 = (x-2)(x-3)$."),
    ("false_claim", 1, "The product is positive when"),
    ("dropped_case", 0, None),
])
def test_each_math_error_edits_one_place_of_its_step_and_cuts_after(kind, k, want):
    steps = real_data.split_math(MATH_SOLUTION)
    fn = math_errors.INJECTORS[kind][0]
    edits = {fn(MATH_PROBLEM, steps[k], random.Random(s)) for s in range(40)}
    edits.discard(None)
    if want is None:
        assert not edits  # no '\pm', no 'or', no |x|: the kind says it does not apply
        return
    assert any(want in e for e in edits)
    cut, label = math_errors.inject(MATH_PROBLEM, steps[: k + 1], kind, random.Random(0))
    assert label <= k and cut[:label] == steps[:label] and cut[label] != steps[label]
    assert len(cut) == label + 1
    for e in edits:  # one place changed: a short span, the rest of the step as it was
        assert len(_changed_span(steps[k], e)) <= len(r"\frac{1}{")


def _changed_span(old: str, new: str) -> str:
    """The part of `old` that `new` replaced (common prefix and suffix removed)."""
    head = len(os.path.commonprefix([old, new]))
    tail = len(os.path.commonprefix([old[head:][::-1], new[head:][::-1]]))
    return old[head : len(old) - tail]


def test_math_inequality_flip_on_le():
    step = r"Then $x \le 4$ and $\left(x\right) \leq 9$."
    out = {math_errors.INJECTORS["inequality_direction"][0]("", step, random.Random(s))
           for s in range(30)}
    assert out == {r"Then $x \ge 4$ and $\left(x\right) \leq 9$.",
                   r"Then $x \le 4$ and $\left(x\right) \ge 9$."}  # \left untouched


def _write_fixtures(tmp_path):
    gsm = tmp_path / "gsm.jsonl"
    gsm.write_text("".join(json.dumps({"question": q, "answer": a}) + "\n" for q, a in
                           [(PROBLEM, ANSWER), (SUM_PROBLEM, SUM_ANSWER)]))
    (tmp_path / "math" / "algebra").mkdir(parents=True)
    (tmp_path / "math" / "algebra" / "1.json").write_text(json.dumps(
        {"problem": MATH_PROBLEM, "solution": MATH_SOLUTION}))
    return gsm, tmp_path / "math"


def test_cli_labels_and_seeded_determinism(tmp_path):
    gsm, math_dir = _write_fixtures(tmp_path)
    runs = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        out = tmp_path / f"{name}.jsonl"
        assert real_data.main(["--gsm8k", str(gsm), "--math", str(math_dir), "-o", str(out),
                               "--seed", str(seed), "--errors", "3"]) == 0
        runs.append(out.read_text())
    assert runs[0] == runs[1]
    recs = [json.loads(x) for x in runs[0].splitlines()]
    correct = {r["problem"]: r["steps"] for r in recs if r["label"] == -1}
    assert len(correct) == 3 and {r["source"] for r in recs} == {"gsm8k", "math"}
    assert all(r["kind"] == "correct" for r in recs if r["label"] == -1)
    wrong = [r for r in recs if r["label"] >= 0]
    assert len(wrong) >= 6 and len({r["kind"] for r in wrong}) >= 4
    for r in wrong:
        good = correct[r["problem"]]
        assert r["steps"][: r["label"]] == good[: r["label"]]
        assert r["steps"][r["label"]] != good[r["label"]]
        assert not any("<<" in s for s in r["steps"])  # annotations never shown
