"""Whole-command CPU: `mathreward verify IN.jsonl` against an equivalent math-verify script.

    PYTHONPATH=$PWD .venv/bin/python -m bench.verify_startup [--items 589] [--repeat 5]
        [--seed 0] [--keep DIR] [--input JSONL [--skip-hostile]]

Both graders run as whole processes on the same generated JSONL of short items (integers,
decimals, fractions, expressions, a few wrong or missing answers), several times, interleaved.
Each run's CPU is counted over its WHOLE process tree: this process makes itself a child
subreaper (Linux `PR_SET_CHILD_SUBREAPER`), so the pool's forkserver and workers, orphaned when
`mathreward verify` exits, are re-parented here and reaped here; `getrusage(RUSAGE_CHILDREN)`
before and after a run then includes every process the command started, however deep.

Printed: median whole-process CPU seconds of each command on the full input and on a one-item
input, the whole-process ratio (math-verify / mathreward), and the per-item ratio excluding
start-up, where an item's marginal cost is (CPU on N items - CPU on 1 item) / (N - 1). The
one-item input is a non-plain answer, so mathreward starts its worker there too.

The math-verify side is what a user would write: one process that reads the lines, calls
`math_verify.verify(math_verify.parse("$gold$"), math_verify.parse(response))` per line and writes
one JSON line per item. Run `--child-mathverify IN OUT` to run just that script.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

_PR_SET_CHILD_SUBREAPER = 36
# One item whose answer is an expression (not a plain number): the one-item runs start a worker.
ONE_ITEM = {"id": 0, "gold": r"\frac{\sqrt{3}}{2}", "response": r"so \boxed{\frac{\sqrt3}{2}}"}


@dataclass(frozen=True)
class Run:
    cpu_s: float
    wall_s: float
    correct: int


def make_items(count: int, seed: int) -> list[dict]:
    """Short responses with typical final answers; about 10% wrong and 2% without an answer."""
    rng = random.Random(seed)
    items = []
    for index in range(count):
        gold, answer = _pair(rng)
        roll = rng.random()
        if roll < 0.10:
            answer = str(rng.randint(-50, 999))  # a wrong answer
        if roll > 0.98:
            response = f"I am not sure; it could be {answer} or something else."
        else:
            lead = rng.choice(("Therefore", "So", "Hence", "Thus the answer is"))
            response = f"Adding the terms gives the result. {lead} $\\boxed{{{answer}}}$."
        items.append({"id": index, "gold": gold, "response": response})
    return items


def _pair(rng: random.Random) -> tuple[str, str]:
    """(gold, the response's answer): equal values, often written differently. The mix follows
    the answer types of competition-maths sets (MATH): integers first, then fractions, radicals,
    multiples of pi, polynomials, intervals and tuples, decimals."""
    kind = rng.random()
    a, b = rng.randint(2, 60), rng.randint(1, 60)  # wide: few repeated (gold, answer) pairs
    if kind < 0.45:  # integers
        value = rng.randint(-100, 5000)
        return str(value), str(value)
    if kind < 0.50:  # decimals
        value = rng.randint(1, 9999) / 100
        return f"{value:g}", f"{value:g}"
    if kind < 0.65:  # fractions, sometimes unreduced or as \dfrac
        p, q = rng.randint(1, 40), rng.randint(2, 41)
        k = rng.choice((1, 1, 2, 3))
        frac = rng.choice(("frac", "frac", "dfrac"))
        return f"\\frac{{{p}}}{{{q}}}", f"\\{frac}{{{p * k}}}{{{q * k}}}"
    pairs = (
        (f"{a}\\sqrt{{{b * b + 1}}}", f"\\sqrt{{{a * a * (b * b + 1)}}}"),  # radicals
        (f"\\frac{{\\sqrt{{{b + 1}}}}}{{{a}}}", f"\\frac{{\\sqrt{{{b + 1}}}}}{{{a}}}"),
        (f"\\frac{{{b}\\pi}}{{{a}}}", f"\\frac{{{b}}}{{{a}}}\\pi"),  # multiples of pi
        (f"x^2+{2 * a}x+{a * a}", f"(x+{a})^2"),  # polynomials
        (f"{a}x+{b}", f"{b}+{a}x"),
        (f"({a}, {a + b})", f"({a},{a + b})"),  # tuples and intervals
        (f"[{b}, \\infty)", f"[{b},\\infty)"),
        (f"{a}+{b}i", f"{a}+{b}i"),  # complex numbers
    )
    return rng.choice(pairs)


def read_rows(path: Path, limit: int, skip_hostile: bool) -> list[dict]:
    """The first `limit` lines of a JSONL with `gold` and `response` (ids renumbered), without
    the rows of kind "hostile" when asked (the answer table's denial-of-service rows)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and len(rows) < limit:
            row = json.loads(line)
            if skip_hostile and row.get("kind") == "hostile":
                continue
            rows.append({"id": len(rows), "gold": str(row["gold"]), "response": row["response"]})
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def child_mathverify(in_path: str, out_path: str) -> int:
    """The math-verify script: grade every line, one JSON line out per item."""
    import logging

    from math_verify import parse, verify

    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    with open(in_path, encoding="utf-8") as source, open(out_path, "w", encoding="utf-8") as sink:
        for line in source:
            row = json.loads(line)
            try:
                correct = bool(verify(parse(f"${row['gold']}$"), parse(row["response"])))
            except Exception:  # noqa: BLE001 - math-verify raises on some inputs: not correct
                correct = False
            sink.write(json.dumps({"id": row["id"], "correct": correct}) + "\n")
    return 0


def _become_subreaper() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _reap_orphans(timeout_s: float = 30.0) -> None:
    """Wait for the descendants re-parented here (the forkserver, workers) so their CPU counts."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no child left
        if pid == 0:
            if time.monotonic() > deadline:
                raise RuntimeError("a process left behind by the command did not exit")
            time.sleep(0.01)


def run_measured(command: list[str], out_path: Path) -> Run:
    _reap_orphans()
    before = _children_cpu()
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    _reap_orphans()
    wall = time.perf_counter() - start
    correct = sum(
        bool(json.loads(line)["correct"])
        for line in out_path.read_text(encoding="utf-8").splitlines()
    )
    return Run(_children_cpu() - before, wall, correct)


def commands(in_path: Path, out_path: Path) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "mathreward": [python, "-m", "mathreward", "verify", str(in_path), "-o", str(out_path)],
        "math-verify": [
            python, "-m", "bench.verify_startup", "--child-mathverify", str(in_path), str(out_path),
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=589)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", metavar="DIR", help="write the inputs and outputs here")
    parser.add_argument(
        "--input", metavar="JSONL", help="grade the first --items {gold, response} lines of this"
    )
    parser.add_argument("--skip-hostile", action="store_true", help='skip rows of kind "hostile"')
    parser.add_argument(
        "--child-mathverify", nargs=2, metavar=("IN", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child_mathverify:
        return child_mathverify(*args.child_mathverify)
    if args.items < 2 or args.repeat < 1:
        parser.error("need --items >= 2 and --repeat >= 1")
    _become_subreaper()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        inputs = {"full": folder / "items.jsonl", "one": folder / "one.jsonl"}
        rows = read_rows(Path(args.input), args.items, args.skip_hostile) if args.input else None
        rows = rows or make_items(args.items, args.seed)
        args.items = len(rows)
        write_jsonl(inputs["full"], rows)
        write_jsonl(inputs["one"], [ONE_ITEM])
        runs: dict[tuple[str, str], list[Run]] = {}
        for repetition in range(args.repeat):
            names = ["mathreward", "math-verify"]
            if repetition % 2:
                names.reverse()  # interleaved, alternating order: drift hits both alike
            for size, in_path in inputs.items():
                for name in names:
                    out_path = folder / f"out-{name}-{size}.jsonl"
                    command = commands(in_path, out_path)[name]
                    runs.setdefault((name, size), []).append(run_measured(command, out_path))
    print(report(runs, args.items, args.repeat))
    return 0


def report(runs: dict[tuple[str, str], list[Run]], items: int, repeat: int) -> str:
    def median_cpu(name: str, size: str) -> float:
        return statistics.median(run.cpu_s for run in runs[(name, size)])

    def median_wall(name: str, size: str) -> float:
        return statistics.median(run.wall_s for run in runs[(name, size)])

    rows = {}
    for name in ("mathreward", "math-verify"):
        full, one = median_cpu(name, "full"), median_cpu(name, "one")
        rows[name] = (full, one, (full - one) / (items - 1), median_wall(name, "full"))
    ours, theirs = rows["mathreward"], rows["math-verify"]
    correct = {name: runs[(name, "full")][0].correct for name in rows}
    lines = [
        f"{items} items, median of {repeat} runs, CPU of the whole process tree",
        "",
        "| command | CPU s, all items | CPU s, 1 item (start-up) | CPU ms per item, marginal"
        " | wall s, all items | items correct |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, (full, one, per_item, wall) in rows.items():
        lines.append(
            f"| {name} | {full:.2f} | {one:.2f} | {per_item * 1000:.2f} | {wall:.2f}"
            f" | {correct[name]} |"
        )
    per_item_ratio = theirs[2] / ours[2] if ours[2] > 0 else float("inf")
    lines += [
        "",
        f"whole-process CPU ratio (math-verify / mathreward): {theirs[0] / ours[0]:.2f}x",
        f"per-item CPU ratio, start-up excluded: {per_item_ratio:.2f}x",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
