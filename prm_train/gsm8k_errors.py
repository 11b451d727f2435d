"""Errors injected into a GSM8K solution, propagated through its calculator annotations.

A solution is its raw lines, annotations kept (`Natalia sold 48/2 = <<48/2=24>>24 clips.`). An
error edits one annotation of step k (its expression or its result) and the visible text with
it; every later annotation whose expression used a changed value is recomputed, and the later
text says the new values, so only step k is a mistake of its own (label k, all steps kept). Where
that cannot be done safely (a changed value is also a number of the problem or of an earlier
step, so rewriting it in later text would be a guess; a recomputed value a calculator would not
print) the solution is cut after step k instead, and only steps up to k are labelled.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from prm_train.calc import (
    ANNOTATION_RE,
    NUMBER_RE,
    evaluate,
    format_number,
    parse_number,
    strip_annotations,
)

_OPERAND_RE = re.compile(r"\d+(?:\.\d+)?")
_OPERATOR_RE = re.compile(r"(?<=[\d)])\s*([-+*/])\s*(?=[\d(])")
_SWAP_OP = {"+": "-", "-": "+", "*": "/", "/": "*"}


@dataclass(frozen=True)
class Injected:
    lines: list[str]  # raw lines, annotations kept (strip them to show)
    label: int  # the first wrong step
    propagated: bool  # later steps kept and made consistent (else cut after `label`)


def numbers(text: str) -> set[Fraction]:
    return {parse_number(m.group()) for m in NUMBER_RE.finditer(strip_annotations(text))}


def _sub_numbers(text: str, changes: dict[Fraction, Fraction]) -> str:
    def repl(m: re.Match[str]) -> str:
        new = changes.get(parse_number(m.group()))
        return m.group() if new is None else (format_number(new) or m.group())
    return NUMBER_RE.sub(repl, text)


def _rewrite_line(line: str, changes: dict[Fraction, Fraction]) -> str | None:
    """One later line with changed values substituted and its annotations recomputed; new
    results join `changes`. None if a recomputed value cannot be printed as a calculator would."""
    out, last = [], 0
    for m in ANNOTATION_RE.finditer(line):
        expr = _sub_numbers(m.group(1), changes)
        old_val = evaluate(m.group(2))
        new_val = evaluate(expr)
        if new_val is None or old_val is None or format_number(new_val) is None:
            return None
        if old_val in changes and changes[old_val] != new_val:
            return None  # this result equals a changed value but is not it: text is ambiguous
        if new_val != old_val:
            changes[old_val] = new_val
        out += [line[last:m.start()], f"<<{expr}={format_number(new_val)}>>"]
        last = m.end()
    out.append(line[last:])
    # visible text after the annotations are known, so a result written after `>>` follows too
    return "".join(p if p.startswith("<<") else _sub_numbers(p, changes) for p in out)


def _propagate(problem: str, lines: list[str], k: int, changes: dict[Fraction, Fraction],
               ) -> Injected:
    """Lines after k made consistent with `changes`, or the solution cut after k."""
    fixed = numbers(problem).union(*(numbers(x) for x in lines[:k]))
    cut = Injected(lines[: k + 1], k, propagated=False)
    out = lines[: k + 1]
    for line in lines[k + 1 :]:
        if fixed & changes.keys():
            return cut  # a changed value is also a given quantity: substitution would guess
        if "=" in re.sub(r"=\s*\$?\s*<<[^<>]*>>", "", line):
            return cut  # an equation we cannot recompute ('2x=80'): it may use a changed value
        new = _rewrite_line(line, changes)
        if new is None:
            return cut
        out.append(new)
    return Injected(out, k, propagated=True)


@dataclass(frozen=True)
class Site:
    k: int  # step index
    m: re.Match[str]  # the annotation in lines[k]


def _edit_site(problem: str, lines: list[str], site: Site, new_expr: str | None,
               new_val: Fraction | None, hide_work: bool = False) -> Injected | None:
    """Step k with its annotation's expression (or only its result) replaced, then propagated.
    `hide_work` drops the written computation: the wrong value is simply claimed."""
    line, m = lines[site.k], site.m
    old_expr, old_val = m.group(1), evaluate(m.group(2))
    expr = new_expr if new_expr is not None else old_expr
    val = new_val if new_val is not None else evaluate(expr)
    if val is None or old_val is None or val == old_val or val < 0:
        return None
    shown = format_number(val)
    if shown is None:
        return None
    before, after = line[: m.start()], line[m.end():]
    res = re.match(r"(\s*)" + re.escape(m.group(2).strip()) + r"(?![\d.])", after)
    if res is None:
        return None  # the visible result is not written right after the annotation
    # the rest of the line may repeat the result ('... = 42. The answer is 42.')
    after = res.group(1) + shown + _sub_numbers(after[res.end():], {old_val: val})
    pos = before.rfind(old_expr)
    if hide_work:
        work = re.search(re.escape(old_expr) + r"\s*=\s*$", before) if pos >= 0 else None
        if work is None:
            return None
        before, annotation = before[: work.start()], ""
    else:
        if new_expr is not None:
            if pos < 0:
                return None  # the edited expression would not be visible
            before = before[:pos] + new_expr + before[pos + len(old_expr):]
        annotation = f"<<{expr}={shown}>>"
    new_lines = [*lines[: site.k], before + annotation + after, *lines[site.k + 1 :]]
    return _propagate(problem, new_lines, site.k, {old_val: val})


def _operands(expr: str) -> list[re.Match[str]]:
    return list(_OPERAND_RE.finditer(expr))


def _replace_span(expr: str, m: re.Match[str], text: str) -> str:
    return expr[: m.start()] + text + expr[m.end():]


def _perturb(v: Fraction, rng: random.Random) -> Fraction:
    """A plausible slip: off by a little, a digit swapped, a factor of ten."""
    digits = format_number(v) or ""
    choice = rng.random()
    if choice < 0.25 and len(digits) >= 2 and digits[-1] != digits[-2] and digits.isdigit():
        return Fraction(digits[:-2] + digits[-1] + digits[-2])
    if choice < 0.35 and v.denominator == 1 and v > 0:
        return v * 10
    return v + rng.choice([-1, 1]) * rng.randint(1, 9 if v > 20 else 3)


def arithmetic(problem: str, lines: list[str], site: Site, rng: random.Random):
    return _edit_site(problem, lines, site, None, _perturb(evaluate(site.m.group(2)) or
                                                           Fraction(0), rng))


def unjustified_claim(problem: str, lines: list[str], site: Site, rng: random.Random):
    """The computation is not written and a wrong value is stated as if known."""
    return _edit_site(problem, lines, site, None,
                      _perturb(evaluate(site.m.group(2)) or Fraction(0), rng), hide_work=True)


def wrong_operation(problem: str, lines: list[str], site: Site, rng: random.Random):
    ops = list(_OPERATOR_RE.finditer(site.m.group(1)))
    if not ops:
        return None
    op = rng.choice(ops)
    expr = site.m.group(1)
    new = expr[: op.start(1)] + _SWAP_OP[op.group(1)] + expr[op.end(1):]
    return _edit_site(problem, lines, site, new, None)


def wrong_quantity(problem: str, lines: list[str], site: Site, rng: random.Random):
    """An operand replaced by another quantity of the problem or of an earlier step."""
    ops = _operands(site.m.group(1))
    pool = sorted(numbers(problem).union(*(numbers(x) for x in lines[: site.k])))
    if not ops or not pool:
        return None
    op = rng.choice(ops)
    others = [v for v in pool if v != parse_number(op.group()) and format_number(v)]
    if not others:
        return None
    return _edit_site(problem, lines, site, _replace_span(site.m.group(1), op, format_number(
        rng.choice(others)) or ""), None)


def off_by_one(problem: str, lines: list[str], site: Site, rng: random.Random):
    """A count miscounted by one (fence-post errors: days between dates, items in a range)."""
    ops = [o for o in _operands(site.m.group(1)) if "." not in o.group() and int(o.group()) >= 2]
    if not ops:
        return None
    op = rng.choice(ops)
    return _edit_site(problem, lines, site, _replace_span(
        site.m.group(1), op, str(int(op.group()) + rng.choice([-1, 1]))), None)


def misread_number(problem: str, lines: list[str], site: Site, rng: random.Random):
    """A number of the problem copied wrong (digits swapped or one digit misread)."""
    given = numbers(problem)
    ops = [o for o in _operands(site.m.group(1)) if parse_number(o.group()) in given
           and "." not in o.group()]
    if not ops:
        return None
    op = rng.choice(ops)
    digits = op.group()
    if len(digits) >= 2 and digits[0] != digits[1] and digits[1] != "0":
        new = digits[1] + digits[0] + digits[2:]
    else:
        i = rng.randrange(len(digits))
        d = int(digits[i])
        new_d = rng.choice([x for x in range(1 if i == 0 else 0, 10) if abs(x - d) > 1])
        new = digits[:i] + str(new_d) + digits[i + 1 :]
    return _edit_site(problem, lines, site, _replace_span(site.m.group(1), op, new), None)


def dropped_term(problem: str, lines: list[str], site: Site, rng: random.Random):
    """One term of a sum of three or more left out."""
    expr = site.m.group(1)
    if any(c in expr for c in "()"):
        return None
    terms = re.split(r"(?<=[\d.])\s*\+\s*", expr)
    if len(terms) < 3:
        return None
    i = rng.randrange(len(terms))
    return _edit_site(problem, lines, site, "+".join(terms[:i] + terms[i + 1 :]), None)


Injector = Callable[[str, list[str], Site, random.Random], Injected | None]
# arithmetic first; the conceptual kinds are drawn twice as often (issue 17: real first errors
# are mostly conceptual and leave no arithmetic trace)
INJECTORS: dict[str, tuple[Injector, float]] = {
    "arithmetic": (arithmetic, 0.5), "wrong_operation": (wrong_operation, 2.0),
    "wrong_quantity": (wrong_quantity, 2.0), "off_by_one": (off_by_one, 2.0),
    "misread_number": (misread_number, 2.0), "dropped_term": (dropped_term, 2.0),
    "unjustified_claim": (unjustified_claim, 1.5),
}


def sites(lines: list[str]) -> list[Site]:
    return [Site(k, m) for k, line in enumerate(lines) for m in ANNOTATION_RE.finditer(line)]


def inject(problem: str, lines: list[str], kind: str, rng: random.Random) -> Injected | None:
    """One error of `kind` at a random annotation where it applies; None if none does."""
    fn = INJECTORS[kind][0]
    candidates = sites(lines)
    rng.shuffle(candidates)
    for site in candidates:
        out = fn(problem, lines, site, rng)
        if out is not None:
            return out
    return None
