"""The ablation's metrics (hand-checked tables) and one real in-process `mathreward ablate` run.

Run: .venv/bin/pytest tests/trainers/test_ablate.py -q
"""

from __future__ import annotations

import json

import pytest

from mathreward.ablate import (
    Problem,
    _answer_key,
    auroc,
    best_of_n,
    evaluate,
    majority_vote,
    n_values,
    pass_at_n,
    to_markdown,
)
from mathreward.cli import main
from mathreward.commands._lines import BadLine, read_jsonl
from mathreward.commands.ablate import parse_rollout
from mathreward.reward_spec import get_preset
from mathreward.rewards import PrmPart, RewardParts
from prm_train.ablate_demo import boxed_answer, demo_rollouts
from verifier.types import Result, Verdict

T, F = True, False


@pytest.mark.parametrize(("n_max", "expected"), [(1, [1]), (2, [1, 2]), (8, [1, 2, 4, 8]),
                                                 (6, [1, 2, 4, 6])])
def test_n_values(n_max, expected):
    assert n_values(n_max) == expected


def test_best_of_n_picks_highest_reward_first_on_ties():
    rewards = [[0.1, 0.9, 0.5, 0.9], [0.5, 0.5, 0.7, 0.2]]
    correct = [[F, T, F, F], [F, T, F, T]]
    assert best_of_n(rewards, correct, 1) == 0.0
    assert best_of_n(rewards, correct, 2) == 0.5  # p0 picks #1 (correct), p1 tie -> #0 (wrong)
    assert best_of_n(rewards, correct, 4) == 0.5  # p0 tie 0.9 -> #1; p1 picks #2 (wrong)


@pytest.mark.parametrize(("a", "b"), [("1,000", "1000"), ("1{,}000", "1\\,000"), (" $5 ", "5")])
def test_vote_keys_ignore_formatting(a, b):
    assert _answer_key(a) == _answer_key(b)
    assert _answer_key("(1,2)") != _answer_key("12")


def test_majority_vote_and_pass_at_n():
    answers = [["3", "4", "4", None], [None, None, "7", "7"]]
    correct = [[T, F, F, F], [F, F, T, T]]
    assert majority_vote(answers, correct, 1) == 0.5  # p1 has no vote among the first 1
    assert majority_vote(answers, correct, 3) == 0.5  # p0: "4" wins 2-1 (wrong); p1: "7"
    assert majority_vote(answers, correct, 2) == 0.5  # p0: tie 3/4 -> first seen "3"
    assert pass_at_n(correct, 1) == 0.5
    assert pass_at_n(correct, 3) == 1.0


@pytest.mark.parametrize(("scores", "labels", "expected"), [
    ([0.9, 0.8, 0.2, 0.1], [T, T, F, F], 1.0),
    ([0.1, 0.2, 0.8, 0.9], [T, T, F, F], 0.0),
    ([0.5, 0.5, 0.5, 0.5], [T, F, T, F], 0.5),
    ([0.9, 0.3, 0.6, 0.1], [T, F, F, T], 0.5),  # pos {0.9, 0.1} vs neg {0.3, 0.6}: 2 of 4 pairs
    ([0.7, 0.7, 0.2], [T, F, F], 0.75),  # the tie with the 0.7 negative counts half
])
def test_auroc(scores, labels, expected):
    assert auroc(scores, labels) == pytest.approx(expected)


def test_auroc_is_undefined_with_one_class():
    assert auroc([0.1, 0.2], [T, T]) is None


def _parts(verdict, extracted, steps):
    return RewardParts(result=Result(verdict, "", extracted),
                       prm=PrmPart(step_scores=steps, scored=bool(steps)))


def test_evaluate_prm_spec_chooses_without_the_answer():
    problems = [Problem("a", "p", "2", ("x", "y")), Problem("b", "p", "5", ("x", "y"))]
    parts = [[_parts(Verdict.INCORRECT, "1", (0.9, 0.2)),
              _parts(Verdict.CORRECT, "2", (0.8, 0.7))],
             [_parts(Verdict.CORRECT, "5", (0.9, 0.9)),
              _parts(Verdict.INCORRECT, "4", (0.3, 0.95))]]
    specs = [get_preset("orm"), get_preset("prm_min"), get_preset("prm_last")]
    report = evaluate(problems, parts, specs, {"orm": 0.001, "prm": 0.01})
    assert report.best_of_n["orm"] == {1: 0.5, 2: 1.0}
    assert report.best_of_n["prm_min"] == {1: 0.5, 2: 1.0}  # min: 0.2 < 0.7, 0.9 > 0.3
    assert report.best_of_n["prm_last"] == {1: 0.5, 2: 0.5}  # last: 0.7 > 0.2, but 0.95 > 0.9
    assert report.auroc["orm"] == 1.0
    assert report.cost_s_per_item == {"orm": 0.001, "prm_min": 0.011, "prm_last": 0.011}
    table = to_markdown(report)
    assert "| prm_min | 0.500 | 1.000 |" in table and "| pass@N | 0.500 | 1.000 |" in table


def test_rollout_lines_name_the_bad_line():
    good = json.dumps({"id": 1, "problem": "p", "gold": "2", "responses": ["a"]})
    assert read_jsonl([good, ""], parse_rollout).items[0].responses == ("a",)
    with pytest.raises(BadLine, match="line 2: 'gold' is missing"):
        read_jsonl([good, json.dumps({"problem": "p", "responses": ["a"]})], parse_rollout)


@pytest.mark.parametrize(("responses", "why"), [
    ("abc", "'responses' must be a list of strings, not a string"),
    ([], "'responses' is empty"),
    (["a", 7], "'responses'[1] must be a string, not a number"),
])
def test_a_string_is_not_a_list_of_responses(tmp_path, capsys, responses, why):
    """Defect: `"responses": "abc"` was read as three responses "a", "b", "c"."""
    good = {"id": 1, "problem": "p", "gold": "2", "responses": ["\\boxed{2}"]}
    path = tmp_path / "rollouts.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "responses": responses}) + "\n")
    assert main(["ablate", str(path), "--specs", "orm", "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert f"line 2: {why}" in captured.err and captured.out == ""
    assert not (tmp_path / "out").exists()  # nothing computed


def test_ablate_skip_bad_counts_and_skips(tmp_path, capsys):
    good = {"id": 1, "problem": "p", "gold": "2", "responses": ["\\boxed{2}", "\\boxed{3}"]}
    path = tmp_path / "rollouts.jsonl"
    path.write_text("\n".join([json.dumps(good), "{oops", json.dumps({**good, "responses": "ab"}),
                               json.dumps({**good, "id": 2})]) + "\n")
    assert main(["ablate", str(path), "--specs", "orm", "--out", str(tmp_path), "--workers", "1",
                 "--skip-bad"]) == 0
    captured = capsys.readouterr()
    assert "skipped 2 bad input lines" in captured.err
    data = json.loads((tmp_path / "ablation.json").read_text())
    assert data["problems"] == 2 and data["responses"] == 4


def test_demo_rollouts_have_boxed_answers_and_a_shared_problem():
    records = demo_rollouts(n_problems=5, n_responses=4, seed=3)
    assert len(records) == 5 and all(len(r["responses"]) == 4 for r in records)
    boxed = sum("\\boxed{" in resp for r in records for resp in r["responses"])
    assert boxed >= 15  # a few are cut off before their answer on purpose
    assert boxed_answer("So 3 + 4 = 7. #### 7") == "So 3 + 4 = 7. The final answer is $\\boxed{7}$."


def test_ablate_demo_command_in_process(tmp_path, capsys):
    """The whole ORM-only ablation, for real: demo data -> worker pool -> table, JSON, PNG."""
    code = main(["ablate", "--demo", "--demo-problems", "6", "--demo-responses", "4",
                 "--specs", "orm,orm_deepscaler", "--out", str(tmp_path), "--workers", "1"])
    assert code == 0
    out = capsys.readouterr().out
    assert "| orm |" in out and "| majority vote |" in out
    data = json.loads((tmp_path / "ablation.json").read_text())
    assert data["n_values"] == [1, 2, 4] and data["responses"] == 24
    assert data["best_of_n"]["orm"]["4"] == data["pass_at_n"]["4"]  # the ORM is an oracle
    assert (tmp_path / "best_of_n.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ablate_on_a_server_reports_what_it_reports_in_process(tmp_path, server, capsys):
    """Both go through the same Backend interface: the same numbers (only the measured cost
    differs), and no progress bar when stderr is not a terminal."""
    rollouts = tmp_path / "rollouts.jsonl"
    rollouts.write_text("".join(json.dumps(r) + "\n" for r in demo_rollouts(5, 4, seed=1)))
    common = ["ablate", str(rollouts), "--specs", "orm,orm_deepscaler"]
    assert main([*common, "--out", str(tmp_path / "local"), "--workers", "1"]) == 0
    assert "%|" not in capsys.readouterr().err
    assert main([*common, "--out", str(tmp_path / "remote"), "--server", server.address]) == 0
    local, remote = (json.loads((tmp_path / d / "ablation.json").read_text())
                     for d in ("local", "remote"))
    local.pop("cost_s_per_item")
    remote.pop("cost_s_per_item")
    assert local == remote and local["responses"] == 20
