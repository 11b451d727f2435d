"""Periodic solution families `a + b k` (k an integer) compared as sets (grading-policy rule 13).

`-\\frac{\\pi}{6} + k\\pi` and `\\frac{5\\pi}{6} + k\\pi` are the same set: equal periods up
to sign, offsets differing by a whole number of periods. A plain expression is a family only
when its one free symbol is a conventional integer name (k, n, m) and its period is a nonzero
rational multiple of pi (trigonometric solutions); with a declared parameter (`k \\in
\\mathbb{Z}`, see quantifiers.py) any nonzero real period counts. Otherwise it is an ordinary
expression (`2 + 3k` is compared as a polynomial in k: `5 + 3k` is a different expression).

Undeclared, only `k` makes a family by itself; `n` and `m` count only against a side that is a
family already (declared, or in k). `(n-2)\\pi` (a polygon's angle sum) against `n\\pi` is a
formula in n, not a family: those two are different answers.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from verifier.nodes import Assign, Family, ListLit

_CONVENTIONAL = frozenset({"k"})  # a family by itself
_CONVENTIONAL_BESIDE_A_FAMILY = frozenset({"k", "n", "m"})
MAX_FAMILY_OPS = 200


def family_parts(
    x: Any, names: frozenset[str] = _CONVENTIONAL
) -> tuple[sp.Expr, sp.Expr] | None:
    """(offset, period) of a family, or None when x is not one. `names`: the letters that make
    an undeclared expression a family."""
    declared = isinstance(x, Family)
    expr = x.value if declared else x
    if not isinstance(expr, sp.Expr) or sp.count_ops(expr) > MAX_FAMILY_OPS:
        return None
    syms = expr.free_symbols
    if len(syms) != 1:
        return None
    var = next(iter(syms))
    if declared and var != x.var:
        return None
    if not declared and var.name not in names:
        return None
    try:
        poly = sp.Poly(sp.expand(expr), var)
    except (sp.PolynomialError, ValueError, TypeError):
        return None
    if poly.degree() != 1:
        return None
    period, offset = poly.all_coeffs()
    if period.free_symbols or offset.free_symbols or period == 0:
        return None
    if not (period.is_extended_real and offset.is_extended_real):
        return None
    if not declared and not (period / sp.pi).is_Rational:
        return None
    return offset, period


def families_equal(a: Any, b: Any) -> bool | None:
    """True/False when both are families; None when either is not (compare otherwise)."""
    pa, pb = family_parts(a), family_parts(b)
    if pa is None and pb is None:
        return None
    if pa is None:
        pa = family_parts(a, _CONVENTIONAL_BESIDE_A_FAMILY)
    if pb is None:
        pb = family_parts(b, _CONVENTIONAL_BESIDE_A_FAMILY)
    if pa is None or pb is None:
        return None
    (oa, ta), (ob, tb) = pa, pb
    if sp.simplify(ta - tb) != 0 and sp.simplify(ta + tb) != 0:
        return False
    shift = sp.cancel((oa - ob) / ta)
    return bool(shift.is_Integer)


def mark_family(item: Any, var: str) -> Any:
    """Wrap the values that use the declared integer parameter `var` (see quantifiers.py)."""
    sym = sp.Symbol(var)
    if isinstance(item, sp.Expr) and sym in item.free_symbols:
        return Family(item, sym)
    if isinstance(item, Assign) and isinstance(item.value, sp.Expr) and sym in (
        item.value.free_symbols
    ):
        return Assign(item.var, Family(item.value, sym), item.lhs)
    if isinstance(item, ListLit):
        return ListLit(tuple(mark_family(i, var) for i in item.items))
    return item


__all__ = ["families_equal", "family_parts", "mark_family"]
