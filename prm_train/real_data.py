"""Step-labelled training data from human-written solutions of public TRAINING splits.

    python -m prm_train.real_data --gsm8k train.jsonl [--math MATH/train] -o OUT.jsonl --seed 0

GSM8K (`openai/grade-school-math`, grade_school_math/data/train.jsonl): one step per line, the
`#### N` answer line folded into the last step as "The answer is N.". MATH (a directory of the
train split's per-problem JSON files, searched recursively): one step per sentence, a display
block (`\\[...\\]`, `$$...$$`) staying with the sentence that introduces it.

For each solution: the correct copy (label -1) and `--errors` erroneous copies, each with one
error of a kind drawn (weighted towards the conceptual kinds) from `gsm8k_errors.INJECTORS` or
`math_errors.INJECTORS`. Each output line: {"problem", "steps", "label", "kind", "source"},
label = index of the first wrong step, -1 if correct (ProcessBench's convention). Never run it on
a test split or on ProcessBench: those are for evaluation only. The text is not committed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from prm_train import gsm8k_errors, math_errors
from prm_train.calc import annotate_visible, strip_annotations


@dataclass(frozen=True)
class Solution:
    problem: str
    lines: list[str]  # steps; for GSM8K with calculator annotations still in
    source: str  # "gsm8k" or "math"
    uid: str  # stable id: seeds the per-solution random stream


def split_gsm8k(answer: str) -> list[str]:
    """Raw GSM8K steps: non-empty lines, unannotated computations annotated
    (`calc.annotate_visible`); '#### N' becomes 'The answer is N.' on the last one."""
    lines = [x.strip() for x in answer.split("\n") if x.strip()]
    final = [x for x in lines if x.startswith("####")]
    steps = [annotate_visible(x) for x in lines if not x.startswith("####")]
    if final and steps:
        sep = " " if steps[-1][-1:] in ".!?" else ". "
        steps[-1] = f"{steps[-1]}{sep}The answer is {final[-1][4:].strip()}."
    return steps


_DISPLAY = re.compile(r"\$\$.*?\$\$|\\\[.*?\\\]|\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S)
_INLINE = re.compile(r"\$[^$]*\$")
# a sentence ends at . ! ? before a capital, a command or math; a display block ends one too
# when a capital follows it directly ('\]Note that', common in MATH)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\\$(\x00\x01])|(?<=\x01)\s*(?=[A-Z])")
_MIN_STEP_CHARS = 12


def split_math(solution: str) -> list[str]:
    """MATH steps: sentences, split outside math only; a display block joins the sentence it
    ends ('... we get \\[x = 3.\\]' stays one step)."""
    spans: list[str] = []

    def hide(mark: str):
        def repl(m: re.Match[str]) -> str:
            spans.append(m.group())
            return f"{mark}{len(spans) - 1}{mark}"
        return repl

    # displays marked \x01, inline math \x00: both hidden from the sentence splitter
    masked = _INLINE.sub(hide("\x00"), _DISPLAY.sub(hide("\x01"), solution.strip()))
    parts = [p.strip() for p in _SENTENCE_END.split(masked) if p and p.strip()]
    steps: list[str] = []
    for p in parts:
        text = p
        while re.search(r"[\x00\x01]\d+[\x00\x01]", text):  # displays may hold inline math
            text = re.sub(r"[\x00\x01](\d+)[\x00\x01]", lambda m: spans[int(m.group(1))], text)
        text = re.sub(r"\s*\n\s*", " ", text)
        # a display alone, or a scrap, is the tail of the sentence before it
        if steps and (p.startswith("\x01") or len(re.sub(r"[\x00\x01]\d+[\x00\x01]", "", p))
                      < _MIN_STEP_CHARS):
            steps[-1] = f"{steps[-1]} {text}"
        else:
            steps.append(text)
    return steps


def load_gsm8k(path: str | Path) -> Iterator[Solution]:
    with Path(path).open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            rec = json.loads(line)
            steps = split_gsm8k(rec["answer"])
            if steps:
                yield Solution(rec["question"], steps, "gsm8k", f"gsm8k-{i}")


def load_math(directory: str | Path) -> Iterator[Solution]:
    root = Path(directory)
    for p in sorted(root.rglob("*.json")):
        rec = json.loads(p.read_text(encoding="utf-8"))
        steps = split_math(rec["solution"])
        if steps:
            yield Solution(rec["problem"], steps, "math", f"math-{p.relative_to(root)}")


def _record(sol: Solution, steps: list[str], label: int, kind: str) -> dict:
    return {"problem": sol.problem, "steps": steps, "label": label, "kind": kind,
            "source": sol.source}


def examples(sol: Solution, n_errors: int, seed: int) -> list[dict]:
    """The correct copy and up to `n_errors` erroneous ones (distinct kinds where possible).
    Seeded per solution, so the output does not depend on which other files were given."""
    rng = random.Random(f"{seed}:{sol.uid}")
    show = strip_annotations if sol.source == "gsm8k" else (lambda s: s)
    out = [_record(sol, [show(x) for x in sol.lines], -1, "correct")]
    table = gsm8k_errors.INJECTORS if sol.source == "gsm8k" else math_errors.INJECTORS
    left = dict(table)  # kinds not tried yet, drawn by weight without replacement
    while len(out) <= n_errors and left:
        kind = rng.choices(list(left), [w for _, w in left.values()])[0]
        del left[kind]
        if sol.source == "gsm8k":
            inj = gsm8k_errors.inject(sol.problem, sol.lines, kind, rng)
            if inj is not None:
                out.append(_record(sol, [show(x) for x in inj.lines], inj.label, kind))
        else:
            cut = math_errors.inject(sol.problem, sol.lines, kind, rng)
            if cut is not None:
                out.append(_record(sol, cut[0], cut[1], kind))
    return out


def split_of(problem: str, dev_share: float) -> str:
    """'dev' for a fixed `dev_share` of problems (by a hash of the problem text, so every copy of
    a solution and every solution of a problem fall on the same side), else 'train'."""
    h = int.from_bytes(hashlib.sha256(problem.encode("utf-8")).digest()[:8], "big")
    return "dev" if h / 2**64 < dev_share else "train"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gsm8k", help="GSM8K train.jsonl")
    ap.add_argument("--math", help="directory of MATH train-split JSON files")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--errors", type=int, default=2, help="erroneous copies per solution")
    ap.add_argument("--split", choices=("all", "train", "dev"), default="all",
                    help="keep only this side of the problem-hashed train/dev split")
    ap.add_argument("--dev-share", type=float, default=0.05,
                    help="share of problems on the dev side (for calibration, never trained on)")
    args = ap.parse_args(argv)
    if not (args.gsm8k or args.math):
        ap.error("give --gsm8k and/or --math")
    sols: list[Iterator[Solution]] = []
    if args.gsm8k:
        sols.append(load_gsm8k(args.gsm8k))
    if args.math:
        sols.append(load_math(args.math))
    n = 0
    with Path(args.out).open("w", encoding="utf-8") as fh:
        for it in sols:
            for sol in it:
                if args.split != "all" and split_of(sol.problem, args.dev_share) != args.split:
                    continue
                for rec in examples(sol, args.errors, args.seed):
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    n += 1
    print(f"{n} records -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
