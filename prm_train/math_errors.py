"""Errors injected into a MATH (competition) solution step, by rewriting its text.

A MATH step's later consequences are symbolic (an inequality flipped changes the solution set,
not one number), so they cannot be recomputed: the solution is cut after the edited step and
only steps up to it are labelled (ProcessBench's convention: the first wrong step is what counts).
Each injector edits exactly one place of one step, or says it does not apply (None).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from prm_train.calc import NUMBER_RE

# (pattern, replacement) pairs; a kind draws one pair that matches the step
_INEQUALITY = [
    (r"\\leq?(?![a-zA-Z])", r"\\ge"), (r"\\geq?(?![a-zA-Z])", r"\\le"),
    (r"(?<![<\\-])<(?![=<])", ">"), (r"(?<![>\-])>(?![=>])", "<"),
    (r"\bless than\b", "greater than"), (r"\bgreater than\b", "less than"),
    (r"\bat least\b", "at most"), (r"\bat most\b", "at least"),
]
_DROPPED_CASE = [
    (r"\\pm(?![a-zA-Z])", "+"), (r"\\mp(?![a-zA-Z])", "-"),
    (r"(\$[^$]+\$),? or \$[^$]+\$", r"\1"),  # '$x=2$ or $x=-3$': the second root forgotten
    (r"\|([a-z])\|", r"\1"),  # |x| read as x: the negative case dropped
]
_WRONG_FORMULA = [
    (r"\\pi r\^2", r"2\\pi r"), (r"2\\pi r(?!\^)", r"\\pi r^2"),
    (r"\\frac\{1\}\{2\}(?= ?\\?[a-z(])", ""),  # triangle area without the half
    (r"\\binom\{(\w+)\}\{(\w+)\}", r"\1^{\2}"),  # choose read as power
    (r"b\^2 ?- ?4ac", "b^2+4ac"), (r"a\^2 ?\+ ?b\^2", "a+b"),
    (r"\\sin(?![a-zA-Z])", r"\\cos"), (r"\\cos(?![a-zA-Z])", r"\\sin"),
    (r"\\tan(?![a-zA-Z])", r"\\cot"), (r"(?<=[a-z)])\^2(?!\d)", "^3"), (r"\\sqrt\{", r"\\frac{1}{"),
    (r"\\log", r"\\ln"), (r"n\(n-1\)", "n^2"), (r"n\(n\+1\)", "n^2"),
]
_FALSE_CLAIM = [
    (r"\bis prime\b", "is not prime"), (r"\bis not\b", "is"), (r"\bis an? integer\b",
                                                              "is not an integer"),
    (r"\beven\b", "odd"), (r"\bodd\b", "even"), (r"\bpositive\b", "negative"),
    (r"\bnegative\b", "positive"), (r"\bmaximum\b", "minimum"), (r"\bminimum\b", "maximum"),
    (r"\bincreasing\b", "decreasing"), (r"\bdecreasing\b", "increasing"),
    (r"\bcannot\b", "can"), (r"\bdivisible\b", "not divisible"), (r"\bparallel\b",
                                                                  "perpendicular"),
    (r"\brational\b", "irrational"), (r"\bmust\b", "cannot"), (r"\bonly\b", "also"),
]
_WRONG_OPERATION = [
    (r"(?<=[\d}a-z)]) ?\+ ?(?=[\d\\a-z(])", " - "), (r"(?<=[\d}a-z)]) ?- ?(?=[\d\\a-z(])", " + "),
    (r"\\cdot|\\times", "+"), (r"\\div", r"\\cdot"),
]


def _rewrite(step: str, table: list[tuple[str, str]], rng: random.Random) -> str | None:
    """The step with one match of one applicable pattern replaced (a random one of each)."""
    options = [(pat, rep, m) for pat, rep in table for m in re.finditer(pat, step)]
    if not options:
        return None
    pat, rep, m = rng.choice(options)
    new = step[: m.start()] + m.expand(rep) + step[m.end():]
    return new if new != step else None


def _numbers_after_equals(step: str) -> list[re.Match[str]]:
    return [m for m in NUMBER_RE.finditer(step) if re.search(r"=\s*\$?\s*$", step[: m.start()])]


def arithmetic(problem: str, step: str, rng: random.Random) -> str | None:
    """A computed result (a number right after '=') slightly off."""
    cands = _numbers_after_equals(step)
    if not cands:
        return None
    m = rng.choice(cands)
    old = m.group()
    if "." in old or "," in old:
        return None
    new = str(int(old) + rng.choice([-3, -2, -1, 1, 2, 3, 10]))
    return step[: m.start()] + new + step[m.end():]


def off_by_one(problem: str, step: str, rng: random.Random) -> str | None:
    """A count one too many or too few: any whole number >= 2 the step writes."""
    cands = [m for m in NUMBER_RE.finditer(step) if m.group().isdigit() and int(m.group()) >= 2
             and step[m.start() - 1 : m.start()] not in ("^", "_", "{")]  # not an exponent
    if not cands:
        return None
    m = rng.choice(cands)
    return step[: m.start()] + str(int(m.group()) + rng.choice([-1, 1])) + step[m.end():]


def wrong_quantity(problem: str, step: str, rng: random.Random) -> str | None:
    """A number of the problem used where another number of the problem belongs."""
    given = sorted({m.group() for m in NUMBER_RE.finditer(problem)})
    cands = [m for m in NUMBER_RE.finditer(step) if m.group() in given]
    if not cands or len(given) < 2:
        return None
    m = rng.choice(cands)
    other = rng.choice([g for g in given if g != m.group()])
    return step[: m.start()] + other + step[m.end():]


def _table(table: list[tuple[str, str]]) -> Callable[[str, str, random.Random], str | None]:
    return lambda problem, step, rng: _rewrite(step, table, rng)


Injector = Callable[[str, str, random.Random], str | None]
INJECTORS: dict[str, tuple[Injector, float]] = {
    "arithmetic": (arithmetic, 1.0), "off_by_one": (off_by_one, 1.5),
    "wrong_quantity": (wrong_quantity, 1.5), "wrong_operation": (_table(_WRONG_OPERATION), 2.0),
    "inequality_direction": (_table(_INEQUALITY), 2.0),
    "dropped_case": (_table(_DROPPED_CASE), 2.0), "wrong_formula": (_table(_WRONG_FORMULA), 2.0),
    "false_claim": (_table(_FALSE_CLAIM), 2.0),
}


def inject(problem: str, steps: list[str], kind: str, rng: random.Random,
           ) -> tuple[list[str], int] | None:
    """(steps cut after the edited one, its index) for one error of `kind` at a random step
    where it applies, or None."""
    fn = INJECTORS[kind][0]
    order = list(range(len(steps)))
    rng.shuffle(order)
    for k in order:
        new = fn(problem, steps[k], rng)
        if new is not None and new != steps[k]:
            return [*steps[:k], new], k
    return None
