"""The in-process baseline: the same samples graded by math-verify 0.9 in this process, serially,
the way a trainer's reward function usually calls it.

    .venv/bin/python -m mathreward.loadtest.mathverify_baseline --prompts 8 --group-size 16

`math_verify.parse` / `verify` with their default settings (their own signal-based timeouts of a
few seconds per call, which is what bounds a hostile answer's cost here). The gold is wrapped in
`$...$` so math-verify's LaTeX extractor reads it. Timings are wall-clock for the whole list; the
share of the time spent on hostile items is reported separately so the effect of a few
pathological answers on a serial reward function is visible.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from mathreward.loadtest.payloads import Sample, make_samples


@dataclass(frozen=True)
class BaselineResult:
    items: int
    wall_s: float
    hostile_items: int
    hostile_wall_s: float
    correct: int  # items math-verify called correct
    agree: int  # items where math-verify agrees with the payload's expected correctness

    @property
    def items_per_s(self) -> float:
        return self.items / self.wall_s if self.wall_s else 0.0


def grade_one(sample: Sample) -> bool:
    from math_verify import parse, verify

    try:
        return bool(verify(parse(f"${sample.gold}$"), parse(sample.response)))
    except Exception:  # noqa: BLE001 - math-verify raises on some inputs; count as not correct
        return False


def run_baseline(samples: Sequence[Sample]) -> BaselineResult:
    """Grade every sample serially with math-verify; wall times from perf_counter."""
    # math-verify logs every timeout with the full (possibly 50 KB) input: keep stderr readable.
    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    import math_verify  # noqa: F401 - import (and its sympy import) outside the timed region

    grade_one(samples[0])  # warm caches (first parse builds latex2sympy's grammar)
    correct = agree = hostile = 0
    hostile_s = 0.0
    started = time.perf_counter()
    for sample in samples:
        t0 = time.perf_counter()
        ok = grade_one(sample)
        if sample.kind == "hostile":
            hostile += 1
            hostile_s += time.perf_counter() - t0
        correct += ok
        agree += ok == sample.expected_correct
    wall = time.perf_counter() - started
    return BaselineResult(len(samples), wall, hostile, hostile_s, correct, agree)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--group-size", type=int, default=16)
    parser.add_argument("--hostile-share", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    samples = make_samples(args.prompts, args.group_size, args.seed,
                           hostile_share=args.hostile_share)
    result = run_baseline(samples)
    print(f"math-verify in-process: {result.items} items in {result.wall_s:.2f} s "
          f"({result.items_per_s:.0f} items/s; {result.hostile_items} hostile items took "
          f"{result.hostile_wall_s:.2f} s); agrees with expected on {result.agree}/{result.items}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
