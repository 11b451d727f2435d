"""Answers as subsets of the real line: intervals, inequalities, unions (grading-policy rule 14).

Decision (the grading policy is silent): a two-element bracket `(a, b)` is an ordered pair unless it
is clearly an interval (mixed brackets, an infinite endpoint) or the other answer is a set
(an inequality, a union, another clear interval); then `(a, b)` with a < b is an open interval.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from verifier.nodes import Bracketed, ListLit, NamedSet, Relation, SetLit, SetOp

_NAMED_SETS: dict[str, sp.Set] = {
    "reals": sp.S.Reals, "empty": sp.S.EmptySet, "integers": sp.S.Integers,
    "naturals": sp.S.Naturals, "rationals": sp.S.Rationals, "complexes": sp.S.Complexes,
}
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "!=": "!=", "=": "="}


def is_clear_interval(x: Any) -> bool:
    if not isinstance(x, Bracketed) or len(x.items) != 2:
        return False
    mixed = (x.open, x.close) in (("(", "]"), ("[", ")"))
    return mixed or any(isinstance(i, sp.Expr) and i.is_infinite for i in x.items)


def is_setlike(x: Any) -> bool:
    """Is x unambiguously a set of reals (not a tuple or a list of values)?"""
    if isinstance(x, (SetOp, NamedSet)):
        return True
    if isinstance(x, Relation):
        return any(op != "=" for op in x.ops)
    if isinstance(x, ListLit):
        return bool(x.items) and all(
            isinstance(i, (Relation, SetOp, NamedSet)) and is_setlike(i) for i in x.items
        )
    return is_clear_interval(x)


def _real_number(x: Any) -> bool:
    return isinstance(x, sp.Expr) and not x.free_symbols and x.is_extended_real is True


def _interval(x: Bracketed) -> sp.Set | None:
    if len(x.items) != 2 or not all(_real_number(i) for i in x.items):
        return None
    lo, hi = x.items
    left_open, right_open = x.open == "(", x.close == ")"
    if (lo.is_infinite and not left_open) or (hi.is_infinite and not right_open):
        return None  # `[3, \infty]` is malformed, not `[3, \infty)`
    if lo == sp.oo or hi == -sp.oo or not bool(lo < hi):
        return None
    return sp.Interval(lo, hi, left_open, right_open)


def _solve_linear(d: sp.Expr, op: str) -> sp.Set | None:
    """The set {x : d(x) op 0} for d linear in its one symbol with a nonzero real slope."""
    syms = d.free_symbols
    if len(syms) != 1:
        return None
    x = next(iter(syms))
    poly = sp.Poly(d, x) if d.is_polynomial(x) else None
    if poly is None or poly.degree() < 1:
        return None
    if poly.degree() > 1:
        return _solve_polynomial(poly, op)
    c, k = poly.all_coeffs()
    if not (_real_number(c) and _real_number(k)) or c == 0:
        return None
    root = -k / c
    if c < 0:
        op = _FLIP[op]
    return {
        ">": sp.Interval.open(root, sp.oo),
        ">=": sp.Interval(root, sp.oo),
        "<": sp.Interval.open(-sp.oo, root),
        "<=": sp.Interval(-sp.oo, root),
        "=": sp.FiniteSet(root),
        "!=": sp.Union(sp.Interval.open(-sp.oo, root), sp.Interval.open(root, sp.oo)),
    }[op]


def _abs_piece(left: sp.Expr, op: str, right: sp.Expr) -> sp.Set | None:
    """`|u| < c` -> -c < u < c; `|u| > c` -> u < -c or u > c (u linear, c a real number)."""
    if isinstance(right, sp.Abs) and not isinstance(left, sp.Abs):
        left, right, op = right, left, _FLIP[op]
    if not isinstance(left, sp.Abs) or not _real_number(right) or op in ("=", "!="):
        return None
    u, c = left.args[0], right
    if op in ("<", "<="):
        inner = _solve_linear(u - c, op), _solve_linear(u + c, _FLIP[op])
        if None in inner:
            return None
        return sp.Intersection(*inner)
    outer = _solve_linear(u + c, _FLIP[op]), _solve_linear(u - c, op)
    if None in outer:
        return None
    return sp.Union(*outer)


_OPS = {">": sp.StrictGreaterThan, ">=": sp.GreaterThan, "<": sp.StrictLessThan,
        "<=": sp.LessThan, "=": sp.Eq, "!=": sp.Ne}


def _solve_polynomial(poly: sp.Poly, op: str) -> sp.Set | None:
    """`x^2 > 4` -> (-oo, -2) U (2, oo), for small rational polynomials only."""
    if poly.degree() > 4 or not all(c.is_Rational for c in poly.all_coeffs()):
        return None
    if any(factor.degree() > 2 for factor, _ in poly.factor_list()[1]):
        return None  # irreducible cubics/quartics: roots too costly to place exactly
    t = sp.Dummy("t", real=True)
    expr = poly.as_expr().subs(poly.gens[0], t)
    return sp.solveset(_OPS[op](expr, 0), t, domain=sp.S.Reals)


_FUNCTION_LETTERS = frozenset({"f", "g", "h"})


def _function_value_as_variable(rel: Relation) -> Relation:
    """`0 < f(x) < 1` (parsed f*x) bounds one quantity, the value f(x): it reads as one variable.
    Only the written shape letter-times-letter with a function letter f, g or h, standing alone
    between constants (`0 < xy < 1` is a region of the plane and stays two variables)."""
    values = [e for e in rel.exprs if isinstance(e, sp.Expr) and e.free_symbols]
    if len(values) != 1 or len(rel.exprs) < 2:
        return rel
    e = values[0]
    if not (isinstance(e, sp.Mul) and len(e.args) == 2 and all(a.is_Symbol for a in e.args)):
        return rel
    if not any(a.name in _FUNCTION_LETTERS for a in e.args):
        return rel
    t = sp.Dummy("fx")
    return Relation(tuple(t if x is e else x for x in rel.exprs), rel.ops)


def _relation_set(rel: Relation) -> sp.Set | None:
    """`3 < x \\le 5` -> (3, 5]. Only single-variable, linear pieces."""
    rel = _function_value_as_variable(rel)
    syms = set().union(*(e.free_symbols for e in rel.exprs if isinstance(e, sp.Expr)))
    if len(syms) != 1:
        return None
    result: sp.Set = sp.S.Reals
    for left, op, right in zip(rel.exprs, rel.ops, rel.exprs[1:], strict=False):
        if not (isinstance(left, sp.Expr) and isinstance(right, sp.Expr)):
            return None
        piece = _abs_piece(left, op, right) or _solve_linear(left - right, op)
        if piece is None:
            return None
        result = sp.Intersection(result, piece)
    return result


def _list_union(x: ListLit) -> sp.Set | None:
    """`x < -1, x > 1` is a union. A list whose pieces cover each other (`x > 1, x < 3` reads
    as "both") or that contains all reals (`x \\in R, x \\ne 2`) is ambiguous: None."""
    if any(isinstance(i, NamedSet) for i in x.items):
        return None
    parts = [_as_set(i) for i in x.items]
    if any(p is None for p in parts):
        return None
    union = sp.Union(*parts)
    if union == sp.S.Reals or sum(sp.Intersection(a, b) != sp.S.EmptySet
                                  for k, a in enumerate(parts) for b in parts[k + 1:]):
        return None
    return union


def as_set(x: Any) -> sp.Set | None:
    """A sympy Set for a set-like answer; None when x is not a set of reals."""
    try:
        return _as_set(x)
    except (TypeError, ValueError, NotImplementedError, ArithmeticError, RecursionError):
        return None


def _as_set(x: Any) -> sp.Set | None:
    if isinstance(x, NamedSet):
        return _NAMED_SETS.get(x.name)
    if isinstance(x, Bracketed):
        return _interval(x)
    if isinstance(x, Relation):
        return _relation_set(x)
    if isinstance(x, SetLit):
        if not all(_real_number(i) for i in x.items):
            return None
        return sp.FiniteSet(*x.items)
    if isinstance(x, sp.Expr) and _real_number(x):
        return sp.FiniteSet(x)
    if isinstance(x, SetOp):
        a, b = _as_set(x.left), _as_set(x.right)
        if a is None or b is None:
            return None
        return {"cup": sp.Union, "cap": sp.Intersection, "setminus": sp.Complement}[x.op](a, b)
    if isinstance(x, ListLit):
        return _list_union(x)
    return None
