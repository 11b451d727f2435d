"""Step-labelled training records from PRM800K: human ratings of real model (GPT-4) steps.

    python -m prm_train.prm800k_data PHASE1_TRAIN --math-train MATH/train -o OUT.jsonl \
        [--split train|dev]

PRM800K (Lightman et al., "Let's Verify Step by Step") rates each step of model-written solutions
to MATH problems: 1 good, 0 neutral, -1 wrong. Unlike `prm_train.real_data`'s injected errors, the
wrong steps are real model mistakes, which is what a PRM meets in training. Two layouts are read:
OpenAI's own `phase{1,2}_train.jsonl` (one labelling session per line: steps, each with rated
completions and the one chosen to go on) and the flattened "stepwise-critic" Parquet (one rated
step per row: `instruction`, `responses` = the chosen steps before it, `next_response`, `rating`).

PRM800K's training problems include 4,500 problems of the MATH *test* split. Only problems whose
text is in the MATH train split (`--math-train`, the per-problem JSON files) are kept; the rest are
counted and dropped. Never point it at a test split or at ProcessBench.

Each output line is a `real_data` record, {"problem", "steps", "label", "kind", "source"}, label =
the index of the first wrong step or -1: a rated step with the chosen steps before it (a neutral
step counts as right, as ProcessBench counts it). Rated steps that are a prefix of a longer record
are not written again: the longer record trains them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from prm_train.real_data import split_of

ANSWER_MARK = "\n\n# Answer\n\n"  # how a PRM800K solution's last step gives its answer


@dataclass(frozen=True)
class RatedStep:
    problem: str
    before: tuple[str, ...]  # the chosen steps before this one, all rated right or neutral
    text: str
    rating: int  # 1 good, 0 neutral, -1 wrong


def problem_key(problem: str) -> str:
    """Problems compared across files: whitespace runs collapsed."""
    return re.sub(r"\s+", " ", problem).strip()


def math_train_problems(directory: str | Path) -> set[str]:
    return {problem_key(json.loads(p.read_text(encoding="utf-8"))["problem"])
            for p in Path(directory).rglob("*.json")}


def from_openai_jsonl(path: str | Path) -> Iterator[RatedStep]:
    """OpenAI's layout: label.steps[i].completions[j] = {text, rating}; the session goes on with
    completions[chosen_completion], or with human_completion when the labeller wrote one."""
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            problem = rec["question"]["problem"]
            before: list[str] = []
            for step in rec["label"]["steps"]:
                for c in step.get("completions") or []:
                    if c.get("rating") is not None:
                        yield RatedStep(problem, tuple(before), c["text"], int(c["rating"]))
                chosen = step.get("chosen_completion")
                human = step.get("human_completion")
                if chosen is not None:
                    before.append(step["completions"][chosen]["text"])
                elif human is not None:
                    before.append(human["text"] if isinstance(human, dict) else str(human))
                else:
                    break  # the session stopped here (an error found, or given up)


def from_stepwise_parquet(path: str | Path) -> Iterator[RatedStep]:
    import pyarrow.parquet as pq  # with `datasets` (the trainers extra); only this layout needs it

    names = ["instruction", "responses", "next_response", "rating"]
    has_answer = "answer" in pq.read_schema(path).names
    for row in pq.read_table(path, columns=names + ["answer"] * has_answer).to_pylist():
        if row["rating"] is not None:
            text = row["next_response"]
            if row.get("answer") is not None:  # the flattening moved a final step's answer out
                text = f"{text}{ANSWER_MARK}{row['answer']}"
            yield RatedStep(row["instruction"], tuple(row["responses"] or ()), text,
                            int(row["rating"]))


def read_rated(path: str | Path) -> Iterator[RatedStep]:
    if str(path).endswith(".parquet"):
        return from_stepwise_parquet(path)
    return from_openai_jsonl(path)


def _prefixes(step: RatedStep) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(problem, the first k chosen steps) for each k >= 1 of the steps before `step`."""
    return ((step.problem, step.before[:k]) for k in range(1, len(step.before) + 1))


def records(rated: Iterable[RatedStep]) -> list[dict]:
    """One record per rated step that no longer record already trains: every wrong step (it ends
    its record), and every right or neutral step that is not a prefix of another record's steps."""
    steps = [s for s in rated if s.text.strip() and all(b.strip() for b in s.before)]
    wrong = {(s.problem, (*s.before, s.text)) for s in steps if s.rating < 0}
    # a session that went on past a step rated wrong would train that step as right: drop such
    # continuations (the wrong step has its own record)
    steps = [s for s in steps if wrong.isdisjoint(_prefixes(s))]
    prefixes = {p for s in steps for p in _prefixes(s)}
    seen: set[tuple[str, tuple[str, ...], int]] = set()
    out = []
    for s in steps:
        path = (*s.before, s.text)
        key = (s.problem, path, s.rating < 0)
        if key in seen or (s.rating >= 0 and (s.problem, path) in prefixes):
            continue
        seen.add(key)
        out.append({"problem": s.problem, "steps": list(path),
                    "label": len(s.before) if s.rating < 0 else -1,
                    "kind": "model_error" if s.rating < 0 else "model_right",
                    "source": "prm800k"})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", help="phase*_train.jsonl or *.stepwise-critic.parquet")
    ap.add_argument("--math-train", required=True,
                    help="directory of MATH train-split JSON files: only their problems are kept")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--split", choices=("all", "train", "dev"), default="all",
                    help="keep only this side of real_data's problem-hashed train/dev split")
    ap.add_argument("--dev-share", type=float, default=0.05)
    args = ap.parse_args(argv)
    allowed = math_train_problems(args.math_train)
    if not allowed:
        ap.error(f"no MATH problems under {args.math_train}")
    kept: list[RatedStep] = []
    dropped: set[str] = set()
    for path in args.inputs:
        for s in read_rated(path):
            key = problem_key(s.problem)
            if key not in allowed:
                dropped.add(key)
            elif args.split == "all" or split_of(s.problem, args.dev_share) == args.split:
                kept.append(s)
    recs = records(kept)
    with Path(args.out).open("w", encoding="utf-8") as fh:
        for rec in recs:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    wrong = sum(r["label"] >= 0 for r in recs)
    print(f"{len(recs)} records ({wrong} ending in a wrong step) from "
          f"{len({s.problem for s in kept})} problems -> {args.out}; "
          f"{len(dropped)} problems not in the MATH train split dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
