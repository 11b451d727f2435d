"""prm_train.prm800k_data on hand-written sessions in both PRM800K layouts (OpenAI's jsonl and
the flattened stepwise-critic Parquet; our own text, not PRM800K's): the same records from both,
wrong steps end their record, prefixes are not repeated, and problems outside the MATH train
split are dropped (PRM800K's training problems include MATH test problems)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prm_train import prm800k_data, real_data

TRAIN_PROBLEM = "What is $2 + 3 \\cdot 4$?"
TEST_PROBLEM = "What is $7 - 2$?"  # stands for a MATH test problem: not in the train directory


def _session(problem: str) -> dict:
    """Step 0: one good completion (chosen). Step 1: a wrong one and a neutral one (chosen).
    Step 2: a good one, chosen, ending the solution."""
    steps = [
        {"completions": [{"text": "Multiplication comes first: $3 \\cdot 4 = 12$.", "rating": 1}],
         "chosen_completion": 0, "human_completion": None},
        {"completions": [{"text": "So $2 + 12 = 15$.", "rating": -1},
                         {"text": "Now add the 2.", "rating": 0}],
         "chosen_completion": 1, "human_completion": None},
        {"completions": [{"text": "So $2 + 12 = 14$.\n\n# Answer\n\n14", "rating": 1}],
         "chosen_completion": 0, "human_completion": None},
    ]
    return {"question": {"problem": problem}, "label": {"steps": steps,
                                                        "finish_reason": "solution"}}


def _stepwise_rows(session: dict) -> list[dict]:
    """The same session flattened the way the stepwise-critic Parquet is (a final step's answer
    in its own column)."""
    rows, before = [], []
    for step in session["label"]["steps"]:
        for c in step["completions"]:
            text, _, answer = c["text"].partition(prm800k_data.ANSWER_MARK)
            rows.append({"instruction": session["question"]["problem"], "responses": list(before),
                         "next_response": text, "rating": c["rating"], "answer": answer or None})
        before.append(step["completions"][step["chosen_completion"]]["text"])
    rows.append({"instruction": session["question"]["problem"], "responses": list(before),
                 "next_response": "", "rating": None})  # an unrated row: skipped
    return rows


@pytest.fixture
def math_train(tmp_path: Path) -> Path:
    d = tmp_path / "MATH" / "train" / "prealgebra"
    d.mkdir(parents=True)
    (d / "1.json").write_text(json.dumps({"problem": TRAIN_PROBLEM, "solution": "14"}))
    return d.parent


@pytest.fixture
def jsonl(tmp_path: Path) -> Path:
    p = tmp_path / "phase1_train.jsonl"
    p.write_text("".join(json.dumps(_session(q)) + "\n" for q in (TRAIN_PROBLEM, TEST_PROBLEM)))
    return p


@pytest.fixture
def parquet(tmp_path: Path) -> Path:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rows = [r for q in (TRAIN_PROBLEM, TEST_PROBLEM) for r in _stepwise_rows(_session(q))]
    p = tmp_path / "phase1_train.stepwise-critic.parquet"
    pq.write_table(pa.Table.from_pylist(rows), p)
    return p


def _run(inputs: list[Path], math_train: Path, out: Path, *extra: str) -> list[dict]:
    assert prm800k_data.main([*map(str, inputs), "--math-train", str(math_train), "-o", str(out),
                              *extra]) == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_records_from_openai_layout(jsonl: Path, math_train: Path, tmp_path: Path, capsys):
    recs = _run([jsonl], math_train, tmp_path / "out.jsonl")
    assert "1 problems not in the MATH train split dropped" in capsys.readouterr().out
    assert {r["problem"] for r in recs} == {TRAIN_PROBLEM}
    by_label = sorted(recs, key=lambda r: r["label"])
    # the full solution (every step right or neutral) and the wrong step after step 0; step 0
    # alone and step 1's neutral prefix are inside the full solution, so not written again
    assert [(r["label"], len(r["steps"])) for r in by_label] == [(-1, 3), (1, 2)]
    wrong = by_label[1]
    assert wrong["steps"][1] == "So $2 + 12 = 15$." and wrong["kind"] == "model_error"
    assert by_label[0]["steps"][1] == "Now add the 2."  # the chosen (neutral) step goes on
    assert by_label[0]["steps"][2].endswith("# Answer\n\n14")


def test_parquet_layout_gives_the_same_records(jsonl: Path, parquet: Path, math_train: Path,
                                               tmp_path: Path):
    a = _run([jsonl], math_train, tmp_path / "a.jsonl")
    b = _run([parquet], math_train, tmp_path / "b.jsonl")
    assert a == b


def test_split_keeps_problems_on_one_side(jsonl: Path, math_train: Path, tmp_path: Path):
    side = real_data.split_of(TRAIN_PROBLEM, 0.05)
    other = "dev" if side == "train" else "train"
    assert len(_run([jsonl], math_train, tmp_path / "s.jsonl", "--split", side)) == 2
    assert _run([jsonl], math_train, tmp_path / "o.jsonl", "--split", other) == []


def test_refuses_without_math_train_problems(jsonl: Path, tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SystemExit):
        prm800k_data.main([str(jsonl), "--math-train", str(empty), "-o", str(tmp_path / "x")])


def test_a_wrong_step_is_never_in_a_right_prefix():
    """A right step that only appears as someone's prefix is not written; a wrong step always is,
    even when the same text elsewhere was rated right."""
    s = [prm800k_data.RatedStep("p", (), "a", 1), prm800k_data.RatedStep("p", ("a",), "b", -1),
         prm800k_data.RatedStep("p", ("a",), "b", 1)]
    recs = prm800k_data.records(s)
    assert sorted((r["label"], tuple(r["steps"])) for r in recs) == [(-1, ("a", "b")),
                                                                     (1, ("a", "b"))]


def test_steps_after_a_step_rated_wrong_are_not_trained_as_right():
    """If a session went on past a step rated wrong, what follows is dropped: with the wrong step
    in its prefix, a record would teach that step as right."""
    s = [prm800k_data.RatedStep("p", (), "a", -1), prm800k_data.RatedStep("p", ("a",), "b", 1),
         prm800k_data.RatedStep("p", ("a", "b"), "c", -1)]
    recs = prm800k_data.records(s)
    assert [(r["label"], r["steps"]) for r in recs] == [(0, ["a"])]
