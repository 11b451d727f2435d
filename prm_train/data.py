"""Synthetic step-labelled solutions in the ProcessBench layout.

    .venv/bin/python -m prm_train.data --split train --n 60000 --seed 1 -o /tmp/prm_train.jsonl
    .venv/bin/python -m prm_train.data --split heldout --n 1000 --seed 2 -o /tmp/prm_heldout.jsonl

Each line: {"problem", "steps", "label", "kind", "family"}; label = index of the earliest wrong
step, -1 if all steps are right. Half the solutions are correct; the other half carry exactly one
injected error of `ERROR_KINDS`, and every later step uses the erroneous value consistently (so
only the first wrong step is a mistake of its own). `--split heldout` draws only families in
`families.HELD_OUT` and only the held-out phrasings; `--split dev` only `families.DEV` (kept out
of training, for calibration).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from prm_train import render, stories_more
from prm_train.families import DEV, FAMILIES, HELD_OUT, Family, Op

ERROR_KINDS = ("arithmetic", "wrong_operation", "sign", "wrong_number", "dropped_term")
NAMES = (("Janet", "she"), ("Tom", "he"), ("Maria", "she"), ("Ahmed", "he"), ("Lena", "she"),
         ("Carlos", "he"), ("Priya", "she"), ("Ben", "he"), ("Sofia", "she"), ("Kenji", "he"),
         ("Olivia", "she"), ("Marcus", "he"), ("Aisha", "she"), ("Liam", "he"), ("Mei", "she"))
_PRON = {"she": ("she", "her", "She", "Her"), "he": ("he", "his", "He", "His")}
_MAX = Fraction(10**7)
SPELLED = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
           "eleven", "twelve")


@dataclass
class Calc:
    """One executed op as written in the solution."""

    op: Op
    kind: str
    vals: list[Fraction]
    signs: list[int]
    result: Fraction
    wrong: bool = False


def _is_result(name: str) -> bool:
    return re.fullmatch(r"c\d+", name) is not None


def _derive(vals: dict[str, Fraction]) -> None:
    """Quantities the problem text states in derived form (30% from q=3, a*x+b, m*b)."""
    for k in list(vals):
        vals[k + "0"] = vals[k] * 10
    if {"a", "x", "b"} <= vals.keys():
        vals["ax_b"] = vals["a"] * vals["x"] + vals["b"]
    if {"m", "b"} <= vals.keys():
        vals["mb"] = vals["m"] * vals["b"]


def _compute(kind: str, vals: list[Fraction], signs: list[int]) -> Fraction | None:
    if kind == "sum":
        return sum((s * v for s, v in zip(signs, vals, strict=True)), Fraction(0))
    if kind == "mul":
        out = Fraction(1)
        for v in vals:
            out *= v
        return out
    if kind == "div":
        return vals[0] / vals[1] if vals[1] != 0 else None
    if kind == "pct":
        return vals[0] * vals[1] / 100
    raise ValueError(kind)


def _perturb(v: Fraction, rng: random.Random, others: list[Fraction]) -> Fraction:
    """A plausible wrong copy of `v`: swapped or changed digit, off by a little, another number."""
    for _ in range(20):
        choice = rng.random()
        digits = str(abs(int(v))) if v.denominator == 1 else ""
        if choice < 0.3 and len(set(digits)) > 1:
            i = rng.randrange(len(digits) - 1)
            new = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
            cand = Fraction(int(new))
        elif choice < 0.55 and digits:
            i = rng.randrange(len(digits))
            new = digits[:i] + str(rng.choice([d for d in "0123456789" if d != digits[i]]))
            cand = Fraction(int(new + digits[i + 1 :]))
        elif choice < 0.85:
            cand = v + rng.choice((-3, -2, -1, 1, 2, 3, 10, -10))
        else:
            cand = rng.choice(others) if others else v + 1
        if cand != v and cand > 0:
            return cand
    return v + 1


_WRONG_OP = {"mul": ("sum",), "div": ("mul", "sum"), "pct": ("mul",), "sum": ("mul",)}


def _inject(calc: Calc, kind: str, rng: random.Random, inputs: list[Fraction]) -> bool:
    """Mutate `calc` in place into an error of `kind`; False if the kind does not apply."""
    if kind == "arithmetic":
        calc.result = _perturb(calc.result, rng, [])
    elif kind == "wrong_operation":
        calc.kind = rng.choice(_WRONG_OP[calc.kind])
        if calc.kind == "sum":
            calc.signs = [1] * len(calc.vals) if calc.op.kind != "div" else [1, -1]
    elif kind == "sign":
        if calc.kind != "sum" or len(calc.vals) < 2:
            return False
        j = rng.randrange(1, len(calc.vals))
        calc.signs = [(-s if i == j else s) for i, s in enumerate(calc.signs)]
    elif kind == "wrong_number":
        j = rng.randrange(len(calc.vals))
        if calc.op.args[j].lstrip("-").startswith("#"):
            return False
        calc.vals = [(_perturb(v, rng, inputs) if i == j else v) for i, v in enumerate(calc.vals)]
    elif kind == "dropped_term":
        if calc.kind not in ("sum", "mul") or len(calc.vals) < 3:
            return False
        j = rng.randrange(1, len(calc.vals))
        calc.vals = calc.vals[:j] + calc.vals[j + 1 :]
        calc.signs = calc.signs[:j] + calc.signs[j + 1 :]
    if kind != "arithmetic":
        res = _compute(calc.kind, calc.vals, calc.signs)
        if res is None:
            return False
        calc.result = res
    calc.wrong = True
    return True


def _applies(op: Op, kind: str) -> bool:
    """Whether an error of `kind` can be injected into `op` (so kinds stay balanced)."""
    if kind == "sign":
        return op.kind == "sum" and len(op.args) >= 2
    if kind == "dropped_term":
        return op.kind in ("sum", "mul") and len(op.args) >= 3
    if kind == "wrong_number":
        return any(not a.lstrip("-").startswith("#") for a in op.args)
    return True


def run_program(fam: Family, env: dict[str, Fraction], error: tuple[int, str] | None,
                rng: random.Random) -> list[Calc] | None:
    """Execute the family's ops; `error` = (op index, kind). None if the numbers are unusable."""
    inputs = [v for k, v in env.items() if not _is_result(k)]
    calcs: list[Calc] = []
    for i, op in enumerate(fam.ops):
        signs = [-1 if a.startswith("-") else 1 for a in op.args]
        names = [a.lstrip("-") for a in op.args]
        vals = [Fraction(n[1:]) if n.startswith("#") else env[n] for n in names]
        res = _compute(op.kind, vals, signs)
        if res is None:
            return None
        calc = Calc(op, op.kind, vals, signs, res)
        if error is not None and error[0] == i and not _inject(calc, error[1], rng, inputs):
            return None
        if calc.wrong and calc.result == res:
            return None  # the "error" happens to give the right value
        if not _usable(calc.result, fam, allow_negative=error is not None):
            return None
        env[op.out] = calc.result
        calcs.append(calc)
    return calcs


def _usable(v: Fraction, fam: Family, allow_negative: bool) -> bool:
    if abs(v) > _MAX or (v <= 0 and not allow_negative):
        return False
    limit = 100 if fam.allow_fraction else (20 if allow_negative else 1)
    return v.denominator <= limit


def _is_money(arg: str, fam: Family) -> bool:
    name = arg.lstrip("-")
    return name in fam.money or any(o.out == name and o.unit == "$" for o in fam.ops)


def _render_calc(calc: Calc, fam: Family, words: dict[str, str], style: render.Style,
                 templates: tuple[str, ...], rng: random.Random) -> str:
    expr = render.fmt_expr(calc.kind, calc.vals, calc.signs, style)
    plain = style.wrap == ("", "") and style.money == "$"
    if plain and calc.kind in ("sum", "mul"):  # '$12 × 3' in plain money notation
        shown = [a for a in calc.op.args]
        if len(shown) == len(calc.vals) and any(_is_money(a, fam) for a in shown):
            parts = [("$" if _is_money(a, fam) else "") + render.fmt_num(v, style)
                     for a, v in zip(shown, calc.vals, strict=True)]
            expr = render.fmt_expr(calc.kind, calc.vals, calc.signs, style, shown=parts)
    unit = calc.op.unit
    res = render.fmt_qty(calc.result, unit, style)
    if style.wrap != ("", ""):
        eq = render.fmt_equation(expr, render.fmt_num(calc.result, style), style)
        if unit and unit != "$" and style.units:
            eq += f" {unit}"
    elif style.calc:
        ascii_expr = render.fmt_expr(calc.kind, calc.vals, calc.signs,
                                     render.Style(**{**style.__dict__, "mul": "*", "div": "/"}))
        eq = f"{expr} = <<{ascii_expr}={render.fmt_num(calc.result, style)}>>{res}"
    else:
        eq = f"{expr} = {res}"
    desc = rng.choice(calc.op.desc).format(**words)
    text = rng.choice(templates).format(desc=desc, Desc=desc[0].upper() + desc[1:], eq=eq,
                                        expr=expr, res=res)
    return text


def render_solution(fam: Family, env: dict[str, Fraction], calcs: list[Calc], rng: random.Random,
                    heldout: bool, answer_wrong: bool) -> tuple[str, list[str], int]:
    """(problem, steps, label) for an executed program."""
    style = render.Style.draw(rng)
    name, pron = rng.choice(NAMES)
    he, his, He, His = _PRON[pron]
    words = {"name": name, "he": he, "his": his, "He": He, "His": His}
    spell = rng.random() < 0.25  # small numbers as words in the problem ('three bags')
    for k, v in env.items():
        if not _is_result(k):
            words[k] = render.fmt_qty(v, "$", style) if k in fam.money else render.fmt_num(v, style)
            spellable = not any(f"{{{k}}}0" in t for t in fam.problems)  # not '{q}0%'
            if spell and spellable and k not in fam.money and v.denominator == 1 and 1 < v <= 12:
                words[k] = SPELLED[int(v)]
    problem = rng.choice(fam.problems).format(**words)
    calc_t = render.CALC_HELDOUT if heldout else render.CALC_TRAIN
    plan_t = render.PLAN_HELDOUT if heldout else render.PLAN_TRAIN
    steps: list[str] = []
    wrong_at = -1
    merge_next = False
    for calc in calcs:
        if rng.random() < 0.15 and not merge_next:
            steps.append(rng.choice(plan_t).format(desc=rng.choice(calc.op.desc).format(**words)))
        text = _render_calc(calc, fam, words, style, calc_t, rng)
        if merge_next:
            steps[-1] += " " + text
        else:
            steps.append(text)
        if calc.wrong and wrong_at < 0:
            wrong_at = len(steps) - 1
        merge_next = rng.random() < 0.2
    final = calcs[-1].result
    if answer_wrong:
        final = _perturb(final, rng, [])
    ans_t = render.ANSWER_HELDOUT if heldout else render.ANSWER_TRAIN
    answer = rng.choice(ans_t).format(ans=render.fmt_num(final, style))
    if rng.random() < 0.35:
        steps[-1] += " " + answer
    else:
        steps.append(answer)
    if answer_wrong and wrong_at < 0:
        wrong_at = len(steps) - 1
    return problem, steps, wrong_at


def sample_env(fam: Family, rng: random.Random) -> dict[str, Fraction]:
    """Random values for a family's variables (and the ones derived from them)."""
    env = {k: Fraction(rng.randint(lo, hi)) for k, (lo, hi) in fam.ranges.items()}
    _derive(env)
    return env


def generate_one(fam: Family, rng: random.Random, kind: str, heldout: bool) -> dict | None:
    """One record of `kind` ("correct" or an error kind), or None if `fam` cannot host it."""
    env = sample_env(fam, rng)
    if run_program(fam, dict(env), None, rng) is None:
        return None
    error, answer_wrong = None, False
    if kind != "correct":
        if kind == "wrong_number" and rng.random() < 0.1:
            answer_wrong = True
        else:
            where = [i for i, op in enumerate(fam.ops) if _applies(op, kind)]
            if not where:
                return None
            error = (rng.choice(where), kind)
    run_env = dict(env)
    calcs = run_program(fam, run_env, error, rng)
    if calcs is None:
        return None
    problem, steps, label = render_solution(fam, run_env, calcs, rng, heldout, answer_wrong)
    return {"problem": problem, "steps": steps, "label": label, "kind": kind,
            "family": fam.name}


def generate(split: str, n: int, seed: int, story_share: float = 0.6) -> Iterator[dict]:
    """`n` records of `split` ("train" or "heldout"), alternating correct and erroneous; the
    error kinds take turns so each is a fifth of the erroneous half. In training, a share
    `story_share` are randomly composed stories (`prm_train/stories.py`,
    `prm_train/stories_more.py`) rather
    than fixed families."""
    rng = random.Random(seed)
    heldout = split == "heldout"
    group = {"heldout": HELD_OUT, "dev": DEV}.get(split)
    fams = [f for f in FAMILIES if (f.name in group if group else
                                    f.name not in HELD_OUT | DEV)]
    # error kinds the split's families can host (a split without three-term sums has no
    # dropped terms); stories host them all
    kinds = [k for k in ERROR_KINDS if split == "train"
             or any(_applies(op, k) for f in fams for op in f.ops)]
    made = 0
    while made < n:
        kind = "correct" if made % 2 == 0 else kinds[(made // 2) % len(kinds)]
        fam = rng.choice(fams)
        if split == "train" and rng.random() < story_share:
            fam = rng.choice(stories_more.GENERATORS)(rng)
        rec = generate_one(fam, rng, kind, heldout)
        if rec is not None:
            made += 1
            yield rec


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=("train", "dev", "heldout"), default="train")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args(argv)
    out = sys.stdout if args.output == "-" else open(args.output, "w")  # noqa: SIM115
    with out:
        for rec in generate(args.split, args.n, args.seed):
            out.write(json.dumps(rec) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
