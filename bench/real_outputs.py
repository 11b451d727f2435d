"""Our verifier (strict and lenient extraction) and math-verify 0.9 side by side on real model
outputs with correctness labels.

    .venv/bin/python bench/real_outputs.py run /tmp/real.jsonl [--show 20] [--rows 0:1000]
    .venv/bin/python bench/real_outputs.py convert-gsm8k-examples SRC.jsonl /tmp/gsm8k_models.jsonl
    .venv/bin/python bench/real_outputs.py convert-tora-gsm8k SRC.jsonl /tmp/tora_70b.jsonl

`run` reads any JSONL of `{"gold", "response", "label"}` lines (`label`: whether the response is
correct; an optional `"source"` names the model or split) and prints, for each grader, agreement
with the labels over all responses and over the responses that contain a `\\boxed{}`, false
positives (a wrong answer paid: label false, grader correct) and false negatives; `--show N`
lists N disagreements per grader for inspection. Our verifier runs in its real worker pool
(per-item budget); math-verify runs in this process with its own default timeouts, the gold
wrapped in `$...$` so its LaTeX extractor reads it.

`convert-gsm8k-examples` turns `grade_school_math/data/example_model_solutions.jsonl` of the
public `openai/grade-school-math` repository (GPT-3 6B/175B solutions to the GSM8K test set, each
with OpenAI's `is_correct` label) into that JSONL. Third-party data: convert it under /tmp, never
commit it. docs/real-outputs.md has the figures and the exact commands.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from verifier.pool import PoolConfig, VerifierPool
from verifier.types import Result, VerifyItem, VerifyOptions

GSM8K_MODELS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")


@dataclass(frozen=True)
class Row:
    gold: str
    response: str
    label: bool
    source: str = ""

    @property
    def boxed(self) -> bool:
        return "\\boxed" in self.response or "\\fbox" in self.response


@dataclass
class Verdicts:
    """One grader's calls on every row, with what it read (for the disagreement list)."""

    name: str
    correct: list[bool] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class Score:
    n: int
    agree: int
    n_boxed: int
    agree_boxed: int
    false_positives: int
    false_negatives: int

    def row(self, name: str) -> str:
        return (f"| {name} | {_pct(self.agree, self.n)} | {_pct(self.agree_boxed, self.n_boxed)} "
                f"| {self.false_positives} | {self.false_negatives} |")


def _pct(a: int, n: int) -> str:
    return f"{100 * a / n:.2f}% ({a}/{n})" if n else "-"


def load_rows(path: str) -> list[Row]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            obj = json.loads(line)
            rows.append(Row(str(obj["gold"]), obj["response"], bool(obj["label"]),
                            str(obj.get("source", ""))))
    return rows


def grade_ours(rows: Sequence[Row], options: VerifyOptions, name: str, workers: int,
               timeout_s: float) -> Verdicts:
    items = [VerifyItem(str(i), row.response, row.gold) for i, row in enumerate(rows)]
    start = time.perf_counter()
    with VerifierPool(PoolConfig(workers=workers, item_timeout_s=timeout_s)) as pool:
        results: list[Result] = pool.verify_many(items, options)
    verdicts = Verdicts(name, seconds=time.perf_counter() - start)
    for result in results:
        verdicts.correct.append(result.correct)
        verdicts.notes.append(f"{result.verdict.value} via {result.extracted_by or '-'}: "
                              f"{result.extracted!r} ({result.reason})")
    return verdicts


def grade_math_verify(rows: Sequence[Row]) -> Verdicts:
    from math_verify import parse, verify

    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    verdicts = Verdicts("math-verify 0.9.0")
    start = time.perf_counter()
    for row in rows:
        try:
            answer = parse(row.response)
            ok = bool(verify(parse(f"${row.gold}$"), answer))
            note = f"read {[str(a) for a in answer][:2]}"
        except Exception as exc:  # noqa: BLE001 - math-verify raises on some inputs: not correct
            ok, note = False, f"error {type(exc).__name__}"
        verdicts.correct.append(ok)
        verdicts.notes.append(note)
    verdicts.seconds = time.perf_counter() - start
    return verdicts


def score(rows: Sequence[Row], verdicts: Verdicts) -> Score:
    agree = agree_boxed = n_boxed = fp = fn = 0
    for row, ok in zip(rows, verdicts.correct, strict=True):
        same = ok == row.label
        agree += same
        if row.boxed:
            n_boxed += 1
            agree_boxed += same
        fp += ok and not row.label
        fn += row.label and not ok
    return Score(len(rows), agree, n_boxed, agree_boxed, fp, fn)


def report(rows: Sequence[Row], graders: Sequence[Verdicts], show: int,
           out: Callable[[str], None] = print) -> None:
    labelled = sum(r.label for r in rows)
    out(f"{len(rows)} responses, {labelled} labelled correct, "
        f"{sum(r.boxed for r in rows)} with a \\boxed{{}}")
    out("")
    out("| grader | agreement, all | agreement, responses with a box | paid wrong answers "
        "(FP) | missed right answers (FN) |")
    out("|---|---:|---:|---:|---:|")
    for verdicts in graders:
        out(score(rows, verdicts).row(verdicts.name))
    out("")
    for verdicts in graders:
        out(f"{verdicts.name}: {verdicts.seconds:.1f} s wall")
    if show <= 0:
        return
    for verdicts in graders:
        out(f"\n## {verdicts.name}: disagreements (first {show})")
        shown = 0
        for i, (row, ok) in enumerate(zip(rows, verdicts.correct, strict=True)):
            if ok == row.label:
                continue
            kind = "FP (paid, label wrong)" if ok else "FN (not paid, label right)"
            tail = row.response[-240:].replace("\n", "\\n")
            out(f"[{i}] {kind} {row.source} gold={row.gold!r}\n    {verdicts.notes[i]}\n"
                f"    ...{tail}")
            shown += 1
            if shown >= show:
                break


def convert_gsm8k_examples(src: str, dst: str) -> int:
    """openai/grade-school-math example_model_solutions.jsonl -> {gold, response, label, source}."""
    count = 0
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for line in f:
            obj = json.loads(line)
            gold = obj["ground_truth"].rsplit("A:", 1)[1].strip()
            for model in GSM8K_MODELS:
                solution = obj[model]
                out.write(json.dumps({"gold": gold, "response": solution["solution"],
                                      "label": bool(solution["is_correct"]),
                                      "source": f"gsm8k/{model}"}) + "\n")
                count += 1
    return count


def convert_tora_gsm8k(src: str, dst: str, source: str) -> int:
    """microsoft/ToRA's committed GSM8K outputs (`src/outputs/llm-agents/<model>/gsm8k/*.jsonl`)
    -> {gold, response, label, source}. Those files carry ToRA's own extracted answer (`pred`)
    but no per-item score; the label is "`pred` is numerically equal to the gold" (GSM8K golds
    are integers), i.e. ToRA's extraction with an exact comparison: a consistency check of our
    box extraction on real outputs, not a hand label.
    """
    count = 0
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for line in f:
            obj = json.loads(line)
            try:
                label = float(obj["pred"][0]) == float(str(obj["gt"]).replace(",", ""))
            except (ValueError, TypeError, IndexError):
                label = False
            out.write(json.dumps({"gold": str(obj["gt"]), "response": obj["code"][0],
                                  "label": label, "source": source}) + "\n")
            count += 1
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="grade a {gold, response, label} JSONL with every grader")
    run.add_argument("path")
    run.add_argument("--show", type=int, default=0, help="disagreements to list per grader")
    run.add_argument("--rows", default=None, metavar="START:STOP",
                     help="only these lines (0-based, STOP excluded): a dev or test split")
    run.add_argument("--workers", type=int, default=2)
    run.add_argument("--timeout", type=float, default=5.0, help="our per-item budget (s)")
    run.add_argument("--no-math-verify", action="store_true")
    convert = sub.add_parser("convert-gsm8k-examples", help="openai/grade-school-math solutions")
    convert.add_argument("src")
    convert.add_argument("dst")
    tora = sub.add_parser("convert-tora-gsm8k", help="microsoft/ToRA GSM8K outputs")
    tora.add_argument("src")
    tora.add_argument("dst")
    tora.add_argument("--source", default="tora/gsm8k")
    args = parser.parse_args(argv)
    if args.command == "convert-tora-gsm8k":
        print(f"wrote {convert_tora_gsm8k(args.src, args.dst, args.source)} rows to {args.dst}")
        return 0
    if args.command == "convert-gsm8k-examples":
        print(f"wrote {convert_gsm8k_examples(args.src, args.dst)} rows to {args.dst}")
        return 0
    rows = load_rows(args.path)
    if args.rows:
        start, _, stop = args.rows.partition(":")
        rows = rows[int(start or 0) : int(stop) if stop else None]
    graders = [
        grade_ours(rows, VerifyOptions(), "mathreward (strict)", args.workers, args.timeout),
        grade_ours(rows, VerifyOptions(extraction="lenient"), "mathreward (lenient)",
                   args.workers, args.timeout),
    ]
    if not args.no_math_verify:
        graders.append(grade_math_verify(rows))
    report(rows, graders, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
