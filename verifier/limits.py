"""Cheap pre-checks that refuse denial-of-service inputs before sympy sees them (rule 21).

Each check is O(size of the text) or O(1) arithmetic on already-built small numbers; the
result of a refused check is the verdict RESOURCE_LIMIT with the check's reason.

The text checks run in the service process too (the pool decides plain numbers there), which
never imports sympy: the checks on sympy objects import it where they run, in the workers that
built those objects (where it is already loaded, so the import is a dictionary lookup).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from verifier.errors import CodeLikeError, ResourceLimitError, UndefinedError

if TYPE_CHECKING:
    import sympy as sp


@dataclass(frozen=True)
class Limits:
    """Size caps (module constant: immutable)."""

    max_response_chars: int = 1_000_000
    max_answer_chars: int = 2_000
    max_depth: int = 60  # nesting of (), [], {}
    max_result_digits: int = 20_000  # estimated digits of an evaluated integer power
    max_symbolic_exponent: int = 10_000
    max_factorial: int = 5_000
    max_binomial: int = 10_000
    max_items: int = 500  # elements of a list, set, tuple or matrix
    max_tower: int = 4  # `e^{e^{e^{x}}}` has height 3; one more level is refused


LIMITS = Limits()

# Program-code markers (rule 20). Matched on the raw answer text, case-insensitively.
_CODE_RE = re.compile(
    r"__|(?<![\\\w])(?:import|lambda|eval|exec|execfile|compile|open|getattr|setattr|globals|"
    r"locals|builtins|subprocess|system|popen|print|input|def|return|class|os|sys|shutil|pickle|"
    r"marshal|breakpoint|delattr|vars|dir)\s*[(.]|(?<![\\\w])(?:import|lambda)\b|\.__"
    r"|[`\"@#]|(?<![A-Za-z])'|'(?![A-Za-z])|;\s*\w+\s*\(",
    re.IGNORECASE,
)
# (`\lambda` is a Greek letter, not code: a backslash before a name exempts it; an
# apostrophe inside a word, as in "Pascal's", is not a quote.)


def check_code_like(answer: str) -> None:
    """Raise CodeLikeError when the answer text looks like program code."""
    m = _CODE_RE.search(answer)
    if m is not None:
        raise CodeLikeError(f"code-like text {m.group(0)!r} is never an answer")


def check_text(answer: str, limits: Limits = LIMITS) -> None:
    """Length and bracket-nesting caps on an extracted answer (or a gold answer)."""
    if len(answer) > limits.max_answer_chars:
        raise ResourceLimitError(f"answer longer than {limits.max_answer_chars} characters")
    depth = 0
    for c in answer:
        if c in "([{":
            depth += 1
            if depth > limits.max_depth:
                raise ResourceLimitError(f"brackets nested deeper than {limits.max_depth}")
        elif c in ")]}":
            depth -= 1


def _log10_abs(x: sp.Rational) -> float:
    """log10 of max(|numerator|, denominator): the digit size of a rational."""
    p, q = abs(int(x.p)), int(x.q)
    big = max(p, q, 1)
    return big.bit_length() * math.log10(2)


def check_pow(base: sp.Expr, exp: sp.Expr, limits: Limits = LIMITS) -> None:
    """Refuse powers whose evaluation would be huge: `9^{9^{9^9}}`, `x^{10^{10}}`."""
    import sympy as sp

    if not exp.is_Number:
        if tower_height(exp) >= limits.max_tower - 1:
            raise ResourceLimitError("symbolic exponent tower too high")
        return
    if exp.is_Rational:
        e = abs(exp.p) / exp.q if exp.q < 10**6 else abs(float(exp))
    else:
        e = abs(float(exp))
    if base.is_Rational:
        if base in (sp.S.Zero, sp.S.One, sp.S.NegativeOne):
            return
        if e * _log10_abs(base) > limits.max_result_digits:
            raise ResourceLimitError("power too large to evaluate (exponent tower?)")
        return
    if e > limits.max_symbolic_exponent:
        raise ResourceLimitError("exponent too large")


def tower_height(expr: sp.Expr, depth: int = 0) -> int:
    """How many powers are stacked in exponents: `x` 0, `2^x` 1, `e^{e^x}` 2."""
    import sympy as sp

    if depth > 20 or not isinstance(expr, sp.Basic) or not expr.args:
        return 0
    if isinstance(expr, sp.Pow):
        return 1 + tower_height(expr.exp, depth + 1)
    if isinstance(expr, sp.exp):
        return 1 + tower_height(expr.args[0], depth + 1)
    return max(tower_height(a, depth + 1) for a in expr.args)


def check_product(a: sp.Expr, b: sp.Expr, limits: Limits = LIMITS) -> None:
    """Refuse products of exact numbers whose result would exceed the digit budget."""
    if a.is_Rational and b.is_Rational:
        digits = (_log10_abs(a) if a != 0 else 0) + (_log10_abs(b) if b != 0 else 0)
        if digits > limits.max_result_digits:
            raise ResourceLimitError("product too large to evaluate")


def check_factorial(n: sp.Expr, limits: Limits = LIMITS) -> None:
    if n.is_Number and abs(n) > limits.max_factorial:
        raise ResourceLimitError("factorial argument too large")
    if n.is_Number and n.is_Integer and n < 0:
        raise UndefinedError("factorial of a negative integer is undefined")


def check_binomial(n: sp.Expr, limits: Limits = LIMITS) -> None:
    if n.is_Number and abs(n) > limits.max_binomial:
        raise ResourceLimitError("binomial argument too large")
