"""Plain numbers (`-12`, `2.50`, `\\frac{3}{4}`) and their exact comparison (grading-policy rule 7).

The one definition of a plain number: the grader's fast path (`verifier/verify.py`) decides a
plain answer against a plain gold here, without sympy, and the pool (`verifier/pool.py`) uses the
same test to decide such items in the service process instead of sending them to a worker.
Everything here is bounded: at most 300 digits per part, anchored patterns, one Fraction.
"""

from __future__ import annotations

import re
from fractions import Fraction

from verifier.types import Verdict, VerifyOptions

PLAIN_NUMBER_RE = re.compile(r"^(-?)(\d{1,300})(?:\.(\d{1,300}))?$")
PLAIN_FRAC_RE = re.compile(r"^(-?)\\[dt]?frac\{(\d{1,300})\}\{(\d{1,300})\}$")


def plain_fraction(s: str) -> Fraction | None:
    """`-12`, `2.50`, `\\frac{3}{4}` as an exact Fraction; None for anything else."""
    m = PLAIN_NUMBER_RE.match(s)
    if m is not None:
        frac = m.group(3) or ""
        value = Fraction(int(m.group(2) + frac), 10 ** len(frac))
        return -value if m.group(1) else value
    m = PLAIN_FRAC_RE.match(s)
    if m is not None and int(m.group(3)) != 0:
        value = Fraction(int(m.group(2)), int(m.group(3)))
        return -value if m.group(1) else value
    return None


def is_plain(s: str) -> bool:
    """True when `s` (already stripped) is a plain number the fast path reads."""
    return PLAIN_NUMBER_RE.match(s) is not None or PLAIN_FRAC_RE.match(s) is not None


def fast_compare(gold: str, answer: str, options: VerifyOptions) -> Verdict | None:
    """Plain numbers on both sides never touch sympy (exact rationals, rule 7); else None."""
    if options.rel_tol > 0:
        return None
    g = plain_fraction(gold)
    if g is None:
        return None
    a = plain_fraction(answer)
    if a is None:
        return None
    return Verdict.CORRECT if a == g else Verdict.INCORRECT
