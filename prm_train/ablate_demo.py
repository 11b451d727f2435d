"""Sample rollouts for `mathreward ablate --demo`, made with our own PRM data generator.

    .venv/bin/python -m prm_train.ablate_demo --problems 40 --responses 8 -o /tmp/rollouts.jsonl

For each problem (a `prm_train.data` family with sampled numbers) it writes N candidate solutions:
some correct, some with one injected error of `prm_train.data.ERROR_KINDS` that propagates to a
wrong
final answer, and a few cut off before their answer (no answer: a format failure). Every final
answer is written as `The final answer is $\\boxed{...}$.`; steps are separated by blank lines
(the PRM's default split). All solutions of a problem use the problem text's character name.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from fractions import Fraction

from prm_train import data, render
from prm_train.families import FAMILIES, Family

_ANSWER_PATTERNS = []
for _template in render.ANSWER_TRAIN + render.ANSWER_HELDOUT:
    _before, _after = _template.format(ans="\x00").split("\x00")
    _ANSWER_PATTERNS.append(re.compile(re.escape(_before) + r"(?P<ans>.+?)" + re.escape(_after)
                                       + r"\s*$"))
_NAMES = tuple(name for name, _ in data.NAMES)


def boxed_answer(step: str) -> str:
    """The step with its trailing answer sentence rewritten as `... $\\boxed{ans}$.`."""
    for pattern in _ANSWER_PATTERNS:
        match = pattern.search(step)
        if match:
            answer = match.group("ans").strip().strip("$")
            answer = re.sub(r"^\\boxed\{(.*)\}$", r"\1", answer)
            return step[:match.start()] + f"The final answer is $\\boxed{{{answer}}}$."
    return step


def gold_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    return f"{sign}\\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def _name_in(text: str) -> str | None:
    return next((n for n in _NAMES if re.search(rf"\b{n}\b", text)), None)


def _render(fam: Family, env: dict, calcs: list, rng: random.Random,
            name: str | None) -> tuple[str, list[str]]:
    """A rendering whose character is `name` (retried with fresh draws, bounded)."""
    problem, steps = "", []
    for _ in range(200):
        problem, steps, _label = data.render_solution(fam, dict(env), calcs,
                                                      random.Random(rng.random()), False, False)
        if name is None or _name_in(problem) == name:
            break
    return problem, steps


def _run(fam: Family, env: dict, error: tuple[int, str] | None, rng: random.Random
         ) -> tuple[dict, list] | None:
    run_env = dict(env)
    calcs = data.run_program(fam, run_env, error, rng)
    return None if calcs is None else (run_env, calcs)


def _response(fam: Family, env: dict, want_error: bool, rng: random.Random,
              name: str | None) -> str | None:
    for _ in range(30):
        error = (rng.randrange(len(fam.ops)), rng.choice(data.ERROR_KINDS)) if want_error else None
        ran = _run(fam, env, error, rng)
        if ran is not None:
            break
    else:
        return None
    _, steps = _render(fam, ran[0], ran[1], rng, name)
    steps = steps[:-1] + [boxed_answer(steps[-1])]
    if rng.random() < 0.06 and len(steps) > 1:  # cut off before the answer: no final answer
        steps = steps[:-1]
    return "\n\n".join(steps)


def demo_rollouts(n_problems: int = 40, n_responses: int = 8, p_error: float = 0.6,
                  seed: int = 0) -> list[dict]:
    """`n_problems` rollout records `{"id","problem","gold","responses"}`."""
    rng = random.Random(seed)
    out: list[dict] = []
    while len(out) < n_problems:
        fam = rng.choice(FAMILIES)
        env = data.sample_env(fam, rng)
        ran = _run(fam, env, None, rng)
        if ran is None:
            continue
        problem, _ = _render(fam, ran[0], ran[1], rng, None)
        name = _name_in(problem)
        responses = [_response(fam, env, rng.random() < p_error, rng, name)
                     for _ in range(n_responses)]
        if any(r is None for r in responses):
            continue
        out.append({"id": f"demo-{len(out)}", "problem": problem,
                    "gold": gold_text(ran[1][-1].result), "responses": responses})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--problems", type=int, default=40)
    ap.add_argument("--responses", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args(argv)
    lines = [json.dumps(r) + "\n" for r in demo_rollouts(args.problems, args.responses,
                                                         seed=args.seed)]
    if args.output == "-":
        sys.stdout.writelines(lines)
    else:
        with open(args.output, "w") as f:
            f.writelines(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
