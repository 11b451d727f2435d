"""Extraction time on adversarial 64 KB responses, strict and lenient (issue 13 item 2).

    .venv/bin/python bench/extract_speed.py [--size 64000] [--repeat 5]

Extraction runs in the service process (the pool keys its cache on the extracted answer), so
it must be linear in the text: each shape below is a way to make a naive scanner quadratic.
Prints a markdown table of the best-of-`repeat` wall time per shape and mode.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from verifier.extract import extract
from verifier.types import VerifyOptions

SHAPES: dict[str, Callable[[int], str]] = {
    "nested \\boxed{\\boxed{...}}": lambda n: "\\boxed{" * (n // 8) + "5" + "}" * (n // 8),
    "unclosed \\boxed{ repeated": lambda n: "\\boxed{1} " + "\\boxed{" * (n // 7),
    "\\boxed prefixes": lambda n: "\\boxed" * (n // 6),
    "closed boxes repeated": lambda n: "\\boxed{1}" * (n // 9),
    "{ ... \\boxed{2} ... }": lambda n: "{" * (n // 2) + "\\boxed{2}" + "}" * (n // 2),
    "</think> repeated": lambda n: "</think>" * (n // 8) + "\\boxed{3}",
    "'the answer is' chain": lambda n: "the answer is " * (n // 14) + "7",
    "'Answer:' lines": lambda n: "Answer:\n" * (n // 8),
    "factorials after a statement": lambda n: "the answer is " + "4! " * (n // 3),
    "abbreviations after a statement": lambda n: "the answer is " + "e.g. " * (n // 5),
    "unclosed $ / \\( spans": lambda n: "the answer is " + "$ \\( " * (n // 5),
    "#### repeated": lambda n: "####" * (n // 4),
    "digits only": lambda n: "1" * n,
    "unit exponents": lambda n: "so the area is " + "cm^2 " * (n // 5),
}


def best_time(text: str, options: VerifyOptions, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        extract(text, options)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=64_000, help="characters per response")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"| shape ({args.size // 1000} KB) | strict (ms) | lenient (ms) |")
    print("|---|---:|---:|")
    for name, make in SHAPES.items():
        text = make(args.size)
        strict = best_time(text, VerifyOptions(), args.repeat)
        lenient = best_time(text, VerifyOptions(extraction="lenient"), args.repeat)
        print(f"| {name} | {strict * 1000:.1f} | {lenient * 1000:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
