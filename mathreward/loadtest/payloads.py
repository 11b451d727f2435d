"""RL-shaped reward payloads: GRPO groups of long `<think>` responses with known gold answers.

    .venv/bin/python -m mathreward.loadtest.payloads --prompts 4 --group-size 8 | head -c 2000

What a GRPO trainer sends at the end of a step: for each prompt a group of 8-16 sampled responses,
each a long reasoning trace in `<think>...</think>` followed by a short solution with a boxed
answer. Most responses of a group agree on one or two final answers (the policy is confident, right
or wrong), so many (gold, answer) pairs repeat: the verifier's dedupe and cache are exercised the
way real traffic exercises them. A small share of answers is hostile (grading-policy rule 21:
exponent towers, huge factorials, 50 KB answers, 50,000-digit numbers, deep braces, code), so a
load test also shows that those cost nothing to the rest of the batch.

Problems and golds are generated here (five families: integer arithmetic, fraction sums, surd
simplification, linear inequalities, quadratic roots), deterministic for a seed. The families'
ranges are wide enough that different seeds rarely repeat a (gold, answer) pair, so a load test
that sends fresh seeds measures grading, not the server's result cache.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction

# The kinds of response, with their default shares among non-hostile responses.
KIND_SHARES = {"correct": 0.45, "equivalent": 0.15, "wrong": 0.32, "no_answer": 0.08}
HOSTILE_ANSWERS: tuple[Callable[[], str], ...] = (
    lambda: "9^{9^{9^{9}}}",
    lambda: "(10^{10^{10}})!",
    lambda: "\\sum_{k=1}^{10^{12}} k^{k}",
    lambda: "1" * 50_000,
    lambda: "{" * 3000 + "1" + "}" * 3000,
    lambda: "__import__('os').system('true')",
    lambda: "().__class__.__base__.__subclasses__()",
    lambda: "\\frac{1}{0}",
    lambda: "x^{2}+" * 8000 + "1",
)
SQUAREFREE = (2, 3, 5, 6, 7, 10, 11, 13, 14, 15, 17, 19, 21, 22, 23, 26, 29, 30, 31)
FILLER = (
    "Let me restate what is being asked and check the given quantities once more.",
    "I could try a different approach, but the direct computation seems cleanest here.",
    "Wait, I should double-check the arithmetic in the previous line before going on.",
    "Hmm, that does not look right; let me recompute the intermediate value carefully.",
    "So far the pieces are consistent with each other, which is reassuring.",
    "Another way to see this is to substitute the candidate back into the original condition.",
)


@dataclass(frozen=True)
class Problem:
    text: str
    gold: str
    equivalent: str  # the same value written differently (grading-policy rule 6/11)
    wrong: tuple[str, ...]  # plausible wrong answers (off by one, rounded, sign slip)
    steps: tuple[str, ...]  # the short worked solution after </think>


@dataclass(frozen=True)
class Sample:
    id: str
    problem: str
    gold: str
    response: str
    steps: tuple[str, ...]
    kind: str  # correct | equivalent | wrong | no_answer | hostile

    @property
    def expected_correct(self) -> bool:
        return self.kind in ("correct", "equivalent")


def _integer(rng: random.Random) -> Problem:
    a, b, c = rng.randint(12, 99), rng.randint(12, 99), rng.randint(100, 999)
    value = a * b + c
    grouped = f"{value:,}".replace(",", "{,}")  # 1{,}234: thousands separator (rule 11)
    return Problem(f"Compute ${a} \\times {b} + {c}$.", str(value), grouped,
                   (str(value + 1), str(value - 10), str(a * b)),
                   (f"First, ${a} \\times {b} = {a * b}$.", f"Then ${a * b} + {c} = {value}$."))


def _fraction(rng: random.Random) -> Problem:
    b, d = rng.randint(2, 12), rng.randint(2, 12)
    a, c = rng.randint(1, b * 2), rng.randint(1, d * 2)
    value = Fraction(a, b) + Fraction(c, d)
    gold = f"\\frac{{{value.numerator}}}{{{value.denominator}}}" if value.denominator > 1 \
        else str(value.numerator)
    unreduced = f"\\frac{{{value.numerator * 3}}}{{{value.denominator * 3}}}"
    approx = f"{float(value):.3f}"  # rounded: wrong under the no-tolerance policy (rule 7)
    if Fraction(approx) == value:  # ... unless the expansion terminates: then an off-by-one
        approx = f"\\frac{{{value.numerator + 1}}}{{{value.denominator}}}"
    return Problem(f"Compute $\\frac{{{a}}}{{{b}}} + \\frac{{{c}}}{{{d}}}$.", gold, unreduced,
                   (approx, f"\\frac{{{a + c}}}{{{b + d}}}"),
                   (f"A common denominator is ${b * d}$.",
                    f"The sum is $\\frac{{{a * d + c * b}}}{{{b * d}}} = {gold}$."))


def _surd(rng: random.Random) -> Problem:
    k, m = rng.randint(2, 40), rng.choice(SQUAREFREE)
    n = k * k * m
    split = f"\\sqrt{{{k * k}}}\\sqrt{{{m}}}"
    return Problem(f"Simplify $\\sqrt{{{n}}}$.", f"{k}\\sqrt{{{m}}}", split,
                   (f"{k + 1}\\sqrt{{{m}}}", f"{math.sqrt(n):.4f}", f"{k}\\sqrt{{{m + 1}}}"),
                   (f"${n} = {k * k} \\cdot {m}$.", f"So $\\sqrt{{{n}}} = {k}\\sqrt{{{m}}}$."))


def _inequality(rng: random.Random) -> Problem:
    a, b = rng.randint(2, 19), rng.randint(-300, 600)
    bound = Fraction(b, a)
    text = str(bound.numerator) if bound.denominator == 1 else \
        f"\\frac{{{bound.numerator}}}{{{bound.denominator}}}"
    return Problem(f"Solve ${a}x > {b}$ for $x$.", f"({text}, \\infty)", f"x > {text}",
                   (f"[{text}, \\infty)", f"x < {text}", f"(-\\infty, {text})"),
                   (f"Divide both sides by ${a} > 0$.", f"So $x > {text}$."))


def _roots(rng: random.Random) -> Problem:
    r, s = rng.sample(range(-60, 61), 2)
    p, q = -(r + s), r * s
    flipped = f"{-r}, {-s}" if {-r, -s} != {r, s} else f"{r + 1}, {s}"  # sign slip
    extra = f"{r}, {s}, {max(r, s) + 1}"  # a spurious third root
    return Problem(f"Find all real $x$ with $x^2 {p:+d}x {q:+d} = 0$.", f"{r}, {s}",
                   f"\\{{{s}, {r}\\}}", (f"{r}", flipped, extra),
                   (f"The polynomial factors as $(x {-r:+d})(x {-s:+d})$.",
                    f"So $x = {r}$ or $x = {s}$."))


FAMILIES = (_integer, _fraction, _surd, _inequality, _roots)


def make_problem(rng: random.Random) -> Problem:
    return rng.choice(FAMILIES)(rng)


def _think(rng: random.Random, problem: Problem, chars: int) -> str:
    parts, size = [f"Okay, so I need to solve: {problem.text}"], 0
    while size < chars:
        step = rng.choice(problem.steps) if rng.random() < 0.4 else rng.choice(FILLER)
        parts.append(step)
        size += len(step) + 2
    return "\n\n".join(parts)


def _response(rng: random.Random, problem: Problem, kind: str, answer: str,
              think_chars: int) -> str:
    think = _think(rng, problem, think_chars)
    if kind == "no_answer":  # ran out of tokens while thinking: no </think>, no answer
        return f"<think>\n{think}"
    solution = "\n\n".join((*problem.steps, f"The final answer is $\\boxed{{{answer}}}$."))
    return f"<think>\n{think}\n</think>\n\n{solution}"


def _group_answers(rng: random.Random, problem: Problem, size: int,
                   hostile_share: float) -> list[tuple[str, str]]:
    """(kind, answer) per response; a group agrees on few distinct answers, like a GRPO group."""
    wrong = rng.choice(problem.wrong)  # the group's favourite mistake
    kinds, shares = zip(*KIND_SHARES.items(), strict=True)
    out = []
    for _ in range(size):
        if rng.random() < hostile_share:
            out.append(("hostile", rng.choice(HOSTILE_ANSWERS)()))
            continue
        kind = rng.choices(kinds, shares)[0]
        answer = {"correct": problem.gold, "equivalent": problem.equivalent,
                  "no_answer": ""}.get(kind)
        if answer is None:  # wrong: mostly the shared mistake, sometimes a different one
            answer = wrong if rng.random() < 0.7 else rng.choice(problem.wrong)
        out.append((kind, answer))
    return out


def make_samples(prompts: int, group_size: int | tuple[int, int] = 16, seed: int = 0,
                 think_chars: int = 2000, hostile_share: float = 0.02) -> list[Sample]:
    """`prompts` GRPO groups; `group_size` fixed or a (low, high) range per prompt."""
    rng = random.Random(seed)
    samples = []
    for p in range(prompts):
        problem = make_problem(rng)
        size = group_size if isinstance(group_size, int) else rng.randint(*group_size)
        for g, (kind, answer) in enumerate(_group_answers(rng, problem, size, hostile_share)):
            samples.append(Sample(f"p{p}-r{g}", problem.text, problem.gold,
                                  _response(rng, problem, kind, answer, think_chars),
                                  problem.steps, kind))
    return samples


def batched(samples: Sequence[Sample], batch_size: int) -> list[list[Sample]]:
    """Consecutive batches (a batch keeps whole groups together when sizes line up)."""
    return [list(samples[i:i + batch_size]) for i in range(0, len(samples), batch_size)]


def verify_request(samples: Sequence[Sample]):  # -> reward_pb2.VerifyAnswersRequest
    from mathreward._pb import reward_pb2

    return reward_pb2.VerifyAnswersRequest(items=[
        reward_pb2.VerifyItem(id=s.id, response=s.response, gold=s.gold) for s in samples])


def score_steps_request(samples: Sequence[Sample]):  # -> reward_pb2.ScoreStepsRequest
    from mathreward._pb import reward_pb2

    return reward_pb2.ScoreStepsRequest(items=[
        reward_pb2.ScoreStepsItem(id=s.id, problem=s.problem, response=s.response)
        for s in samples])


def compute_reward_request(samples: Sequence[Sample], preset: str = "orm"):
    from mathreward._pb import reward_pb2

    return reward_pb2.ComputeRewardRequest(
        spec=reward_pb2.RewardSpec(preset=preset),
        items=[reward_pb2.ComputeRewardItem(id=s.id, problem=s.problem, response=s.response,
                                            gold=s.gold) for s in samples])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print RL-shaped payload items as JSON lines.")
    parser.add_argument("--prompts", type=int, default=4)
    parser.add_argument("--group-size", type=int, default=16)
    parser.add_argument("--think-chars", type=int, default=2000)
    parser.add_argument("--hostile-share", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for sample in make_samples(args.prompts, args.group_size, args.seed, args.think_chars,
                               args.hostile_share):
        print(json.dumps(asdict(sample)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
