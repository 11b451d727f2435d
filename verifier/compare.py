"""Equivalence predicates between typed answers (grading-policy rules 6-19).

Exactness first: a difference that sympy reduces to a number is decided exactly; numerical
evaluation is only ever used to *reject* (or, with rel_tol > 0, to accept within the
tolerance). Equality is accepted only when sympy proves it (structural identity,
simplify/expand to 0, or a minimal polynomial equal to x).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from verifier.bigops import canonical_bound_vars, has_big_operator
from verifier.errors import OUT_OF_MEMORY
from verifier.families import families_equal
from verifier.names import (
    as_equation,
    distinct_assignments,
    gold_named_value,
    item_name,
    rename_argument,
)
from verifier.nodes import (
    Assign,
    Bracketed,
    Choice,
    Congruence,
    Family,
    ListLit,
    MatrixLit,
    Ratio,
    Relation,
    SetLit,
    Text,
)
from verifier.sets import as_set, is_setlike

MAX_OPS = 400  # sympy simplify only on expressions up to this many operations
_PROBE_PREC = 40


def expr_equal(a: Any, b: Any, rel_tol: float = 0.0) -> bool:
    """Exact equality of two scalar sympy expressions (no tolerance unless rel_tol > 0)."""
    if not (isinstance(a, sp.Expr) and isinstance(b, sp.Expr)):
        return False
    if a == b:
        return True
    if has_big_operator(a) or has_big_operator(b):
        return _structurally_equal(a, b)
    if a.is_Number and b.is_Number:
        return rel_tol > 0 and _close(a, b, rel_tol)
    d = a - b
    if d.is_Number:
        return d == 0 or (rel_tol > 0 and _close(a, b, rel_tol))
    probe = _probe_differs(a, b)
    if probe is True:
        return rel_tol > 0 and not (a.free_symbols | b.free_symbols) and _close(a, b, rel_tol)
    if rel_tol > 0 and not (a.free_symbols | b.free_symbols) and probe is False:
        return True
    return _proves_zero(d)


def _structurally_equal(a: sp.Expr, b: sp.Expr) -> bool:
    """Unevaluated sums, products, integrals, limits: equal up to the bound variables' names
    and an expansion of the rest; never evaluated (no doit, no numeric probe, no simplify)."""
    ca, cb = canonical_bound_vars(a), canonical_bound_vars(b)
    if ca == cb:
        return True
    d = ca - cb
    if sp.count_ops(d) > MAX_OPS or _big_power_of_sum(d):
        return False
    try:
        return sp.expand(d) == 0
    except OUT_OF_MEMORY:
        raise
    except Exception:  # noqa: BLE001 - sympy raises many kinds on odd input; not a proof
        return False


def _close(a: sp.Expr, b: sp.Expr, rel_tol: float) -> bool:
    try:
        va, vb = complex(a.evalf(30)), complex(b.evalf(30))
    except (TypeError, ValueError, ArithmeticError):
        return False
    return abs(va - vb) <= rel_tol * max(abs(va), abs(vb))


def _probe_values(symbols: set[sp.Symbol]) -> dict[sp.Symbol, sp.Rational]:
    """Deterministic, unremarkable rational values for the free symbols."""
    ordered = sorted(symbols, key=lambda s: s.name)
    return {s: sp.Rational(31 + 17 * k, 23 + 7 * k) for k, s in enumerate(ordered)}


def _probe_differs(a: sp.Expr, b: sp.Expr) -> bool | None:
    """True when a numerical evaluation shows a != b; None when it cannot tell.

    Compared as arbitrary-precision floats (mpmath via evalf), so 10^1000-sized values do
    not overflow; a relative difference above 1e-25 is a difference.
    """
    subs = _probe_values(a.free_symbols | b.free_symbols)
    try:
        va = a.evalf(_PROBE_PREC, subs=subs, maxn=200)
        vb = b.evalf(_PROBE_PREC, subs=subs, maxn=200)
        if not (_finite_number(va) and _finite_number(vb)):
            return None
        diff = sp.Abs((va - vb).evalf(_PROBE_PREC))
        scale = sp.Max(sp.Abs(va), sp.Abs(vb))
        return bool(diff > scale * sp.Float("1e-25", _PROBE_PREC)) if diff != 0 else False
    except (TypeError, ValueError, ArithmeticError, AttributeError, RecursionError):
        return None


def _finite_number(v: sp.Expr) -> bool:
    return bool(v.is_number) and not v.has(sp.nan, sp.zoo, sp.oo, -sp.oo) and all(
        part.is_Float or part.is_Rational for part in v.as_real_imag()
    )


def _big_power_of_sum(d: sp.Expr) -> bool:
    """`(x+1)^{5000}`: expanding would explode; such differences are not simplified."""
    return any(
        p.base.is_Add and p.exp.is_Number and abs(p.exp) > 64 for p in d.atoms(sp.Pow)
    )


def _proves_zero(d: sp.Expr) -> bool:
    """Does sympy prove d == 0? (bounded: big expressions are not simplified).

    Cheap rewrites first; for a constant, the minimal polynomial (exact for algebraic
    numbers, including trig values at rational multiples of pi) before the costly simplify.
    """
    if sp.count_ops(d) > MAX_OPS or _big_power_of_sum(d):
        return False
    steps = [sp.expand, sp.cancel]
    if not d.free_symbols:
        steps.append(_minpoly_is_x)
    steps.append(sp.simplify)
    for step in steps:
        try:
            r = step(d)
        except OUT_OF_MEMORY:
            # The worker's memory cap, not a failed proof: swallowing it here would turn one
            # answer into CORRECT or INCORRECT depending on how much memory was left.
            raise
        except Exception:  # noqa: BLE001 - sympy raises many kinds on odd input; not a proof
            continue
        if r is True or (r is not False and r == 0):
            return True
    return False


def _minpoly_is_x(d: sp.Expr) -> bool:
    return bool(d.is_algebraic) and bool(sp.minimal_polynomial(d, sp.Symbol("_z")).is_Symbol)


def equation_equal(d1: sp.Expr, d2: sp.Expr) -> bool:
    """`d1 = 0` and `d2 = 0` are rearrangements: d1 = c*d2 for a nonzero constant c."""
    if d1 == 0 or d2 == 0:
        return d1 == d2
    if d1.free_symbols != d2.free_symbols:
        return False
    if sp.count_ops(d1) + sp.count_ops(d2) > MAX_OPS or _big_power_of_sum(d1 - d2):
        return False
    try:
        for step in (lambda r: sp.cancel(sp.together(r)), sp.simplify):
            ratio = step(d1 / d2)
            if not ratio.free_symbols and ratio.is_number and ratio != 0 and ratio.is_finite:
                return True
    except (TypeError, ValueError, NotImplementedError, RecursionError, ArithmeticError):
        return False
    return False


def items_equal_as_sets(a: tuple[Any, ...], b: tuple[Any, ...], rel_tol: float) -> bool:
    """Order-insensitive, complete, no extras (duplicates collapse). `a` holds the gold's items
    and stays in the gold's place of `equal` both ways (some rules read the gold side only)."""
    return all(any(equal(x, y, rel_tol) for y in b) for x in a) and all(
        any(equal(x, y, rel_tol) for x in a) for y in b
    )


def items_equal_in_order(a: tuple[Any, ...], b: tuple[Any, ...], rel_tol: float) -> bool:
    return len(a) == len(b) and all(equal(x, y, rel_tol) for x, y in zip(a, b, strict=True))


def collapse_chain(x: Any) -> Any:
    """`x = 2+3 = 5` is `x = 5`, `2+3 = 5` is `5` -- only when every link of the chain holds."""
    if not isinstance(x, Relation) or any(op != "=" for op in x.ops):
        return x
    head, values = x.exprs[0], x.exprs[1:]
    if not all(isinstance(v, sp.Expr) for v in x.exprs):
        return x
    if not all(expr_equal(values[0], v) for v in values[1:]):
        return x
    if isinstance(head, sp.Symbol) and len(values) > 1 and head not in values[0].free_symbols:
        return Assign(head.name, values[-1], head)
    if not head.free_symbols and not values[0].free_symbols and expr_equal(head, values[0]):
        return values[-1]
    return x


def equal(g: Any, r: Any, rel_tol: float = 0.0) -> bool:
    """Policy equality of a gold answer object and a response answer object."""
    g, r = collapse_chain(g), collapse_chain(r)
    g = gold_named_value(g, r)
    if isinstance(g, (Text, Choice)) or isinstance(r, (Text, Choice)):
        return type(g) is type(r) and g == r
    if isinstance(g, Ratio) or isinstance(r, Ratio):
        return ratio_equal(g, r, rel_tol)
    if isinstance(g, Congruence) or isinstance(r, Congruence):
        return congruence_equal(g, r, rel_tol)
    if isinstance(g, Assign) or isinstance(r, Assign):
        return _assign_equal(g, r, rel_tol)
    if isinstance(g, MatrixLit) or isinstance(r, MatrixLit):
        return _matrix_equal(g, r, rel_tol)
    eq_g, eq_r = as_equation(g), as_equation(r)
    if eq_g is not None or eq_r is not None:
        return eq_g is not None and eq_r is not None and equation_equal(eq_g, eq_r)
    if is_setlike(g) or is_setlike(r):
        return _set_equal(g, r)
    same_family = families_equal(g, r)
    if same_family is not None:
        return same_family
    if isinstance(g, Family) or isinstance(r, Family):
        return False  # a family is a set; it never equals a single value or a tuple
    return _structure_equal(g, r, rel_tol)


def _structure_equal(g: Any, r: Any, rel_tol: float) -> bool:
    if isinstance(g, Bracketed) and isinstance(r, Bracketed):
        return (g.open, g.close) == (r.open, r.close) and items_equal_in_order(
            g.items, r.items, rel_tol
        )
    if isinstance(g, Bracketed) and isinstance(r, ListLit) and g.open == "(":
        return items_equal_in_order(g.items, r.items, rel_tol)
    if isinstance(r, Bracketed) and isinstance(g, ListLit) and r.open == "(":
        return items_equal_in_order(g.items, r.items, rel_tol)
    if isinstance(g, Bracketed) or isinstance(r, Bracketed):
        return False
    if isinstance(g, ListLit) and isinstance(r, ListLit):
        bare_g = all(item_name(i) is None for i in g.items)
        bare_r = all(item_name(i) is None for i in r.items)
        named_g, named_r = distinct_assignments(g.items), distinct_assignments(r.items)
        if (named_g and bare_r) or (named_r and bare_g):
            # `x = 1, y = 2` against `2, 1`: bare values follow the names' order (decision)
            return items_equal_in_order(g.items, r.items, rel_tol)
    if isinstance(g, (SetLit, ListLit)) or isinstance(r, (SetLit, ListLit)):
        gi = g.items if isinstance(g, (SetLit, ListLit)) else (g,)
        ri = r.items if isinstance(r, (SetLit, ListLit)) else (r,)
        return items_equal_as_sets(gi, ri, rel_tol)
    return expr_equal(g, r, rel_tol)


def _assign_equal(g: Any, r: Any, rel_tol: float) -> bool:
    """Rule 13: `x = 5` vs `5`; same variable compares values; otherwise as equations."""
    if isinstance(g, Assign) and isinstance(r, Assign):
        if g.var == r.var:
            return equal(g.value, r.value, rel_tol)
        renamed = rename_argument(g, r)
        if renamed is not None:
            return equal(g.value, renamed, rel_tol)
        eq_g, eq_r = as_equation(g), as_equation(r)
        return eq_g is not None and eq_r is not None and equation_equal(eq_g, eq_r)
    assign, other = (g, r) if isinstance(g, Assign) else (r, g)
    eq_other = as_equation(other)
    if eq_other is not None:
        if isinstance(assign.value, sp.Expr) and not assign.value.free_symbols:
            return False  # `x = 2` is solved; `2x = 4` or `x - 2 = 0` is not (decision)
        eq_assign = as_equation(assign)
        return eq_assign is not None and equation_equal(eq_assign, eq_other)
    if isinstance(other, (ListLit, SetLit)) and len(other.items) == 1:
        other = other.items[0]
    if assign is g:
        return equal(assign.value, other, rel_tol)
    return equal(other, assign.value, rel_tol)


def ratio_equal(g: Any, r: Any, rel_tol: float = 0.0) -> bool:
    """Rule 13: `1:2` = `2:4` (proportional terms); a gold ratio `a:b` also equals the number
    a/b (`1:2` = `\\frac12`). Not the other way: a gold number is never paid by a ratio (odds
    1:2 are not the probability 1/2). A ratio with a zero term, or a gold written like a time
    of day (`12:30`: 6:15 is another time; `7:32` too, by its form), is compared term by term,
    exactly, and a clock-like gold never equals a number."""
    if isinstance(g, Ratio) and isinstance(r, Ratio):
        if len(g.items) != len(r.items):
            return False
        if g.clock or any(_is_zero(t) for t in g.items + r.items):
            return items_equal_in_order(g.items, r.items, rel_tol)
        scale = r.items[0] / g.items[0]
        return all(expr_equal(b, scale * a, rel_tol) for a, b in zip(g.items, r.items, strict=True))
    if isinstance(g, Ratio) and len(g.items) == 2 and not g.clock and isinstance(r, sp.Expr):
        a, b = g.items
        return not _is_zero(b) and expr_equal(a / b, r, rel_tol)
    return False


def congruence_equal(g: Any, r: Any, rel_tol: float = 0.0) -> bool:
    """Two congruences: the same modulus and congruent integer values (`3 mod 7` = `10 mod 7`).
    A congruence against a plain value compares the written values exactly (`9 \\pmod{11}` is
    9, never 20): the modulus is a label there, and no representative is swapped in."""
    if isinstance(g, Congruence) and isinstance(r, Congruence):
        if g.modulus != r.modulus:
            return False
        both_integers = all(isinstance(v, sp.Expr) and v.is_Integer for v in (g.value, r.value))
        if both_integers:
            return (g.value - r.value) % g.modulus == 0
        return expr_equal(g.value, r.value, rel_tol)
    g_value = g.value if isinstance(g, Congruence) else g
    r_value = r.value if isinstance(r, Congruence) else r
    return equal(g_value, r_value, rel_tol)


def _is_zero(t: Any) -> bool:
    return isinstance(t, sp.Expr) and t.is_zero is True


def _matrix_equal(g: Any, r: Any, rel_tol: float) -> bool:
    if not (isinstance(g, MatrixLit) and isinstance(r, MatrixLit)):
        return False
    if len(g.rows) != len(r.rows):
        return False
    if any(len(a) != len(b) for a, b in zip(g.rows, r.rows, strict=True)):
        return False
    return all(
        expr_equal(x, y, rel_tol)
        for a, b in zip(g.rows, r.rows, strict=True)
        for x, y in zip(a, b, strict=True)
    )


_FLIPPED = {"<": ">", "<=": ">="}


def _links(rel: Relation) -> list[tuple[str, sp.Expr]] | None:
    """Each link `L op R` as (op, d) with op in >, >=, =, != and d = L - R (so `d op 0`)."""
    out = []
    for left, op, right in zip(rel.exprs, rel.ops, rel.exprs[1:], strict=False):
        if not (isinstance(left, sp.Expr) and isinstance(right, sp.Expr)):
            return None
        if op in _FLIPPED:
            out.append((_FLIPPED[op], right - left))
        else:
            out.append((op, left - right))
    return out


def _link_equal(a: tuple[str, sp.Expr], b: tuple[str, sp.Expr]) -> bool:
    (op_a, d_a), (op_b, d_b) = a, b
    if op_a != op_b:
        return False
    if op_a in ("=", "!="):
        return equation_equal(d_a, d_b)
    if d_a == d_b:
        return True
    if d_a.free_symbols != d_b.free_symbols or sp.count_ops(d_a) + sp.count_ops(d_b) > MAX_OPS:
        return False
    try:
        ratio = sp.cancel(sp.together(d_a / d_b))
    except (TypeError, ValueError, NotImplementedError, RecursionError, ArithmeticError):
        return False
    return bool(not ratio.free_symbols and ratio.is_positive)


def relation_equal(g: Relation, r: Relation) -> bool:
    """`x + y > 3` = `3 < y + x` = `2x + 2y > 6`: the same links up to a positive factor."""
    lg, lr = _links(g), _links(r)
    if lg is None or lr is None:
        return False
    return all(any(_link_equal(a, b) for b in lr) for a in lg) and all(
        any(_link_equal(b, a) for a in lg) for b in lr
    )


def _set_equal(g: Any, r: Any) -> bool:
    """Rule 14: inequalities, intervals and unions are equal when they are the same set."""
    sg, sr = as_set(g), as_set(r)
    if sg is None or sr is None:
        # Not sets of reals we can build (symbolic endpoints, several variables): compare shapes.
        if isinstance(g, Bracketed) and isinstance(r, Bracketed):
            return (g.open, g.close) == (r.open, r.close) and items_equal_in_order(
                g.items, r.items, 0.0
            )
        if isinstance(g, Relation) and isinstance(r, Relation):
            return relation_equal(g, r)
        return False
    if sg == sr:
        return True
    try:
        empty = sp.S.EmptySet
        return bool(sp.Complement(sg, sr) == empty and sp.Complement(sr, sg) == empty)
    except (TypeError, ValueError, NotImplementedError):
        return False


__all__ = ["collapse_chain", "equal", "equation_equal", "expr_equal", "relation_equal"]
