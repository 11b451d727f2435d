"""Names in answers: equations as `lhs - rhs`, assignments, a gold's named quantity, function
arguments as bound variables (grading-policy rule 13). Pure helpers for `compare.py`.
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from verifier.nodes import Assign, Relation


def as_equation(x: Any) -> sp.Expr | None:
    """lhs - rhs of an equation (`y = 2x+1`, `2x+1 = y`), else None."""
    if isinstance(x, Assign) and isinstance(x.value, sp.Expr) and isinstance(x.lhs, sp.Expr):
        return x.lhs - x.value
    if isinstance(x, Relation) and x.ops == ("=",):
        lhs, rhs = x.exprs
        if isinstance(lhs, sp.Expr) and isinstance(rhs, sp.Expr):
            return lhs - rhs
    return None


def _is_point_name(sym: sp.Symbol) -> bool:
    """`A`, `B`, `S_ABC`, `V_1`: names of geometric quantities (upper-case by convention)."""
    return sym.name[:1].isupper()


def _is_named_quantity(e: Any) -> bool:
    """`AB`, `|AB|`, `\\frac{NO}{BO}`, `S_{ABC}`: a product/quotient/abs of upper-case names
    with no number in it (`xy`, `2A`, `A+B` are not names)."""
    if not isinstance(e, sp.Expr) or not e.free_symbols:
        return False
    if not all(_is_point_name(x) for x in e.free_symbols):
        return False
    for node in sp.preorder_traversal(e):
        if node.is_Number and node not in (sp.S.One, sp.S.NegativeOne):
            return False
        if not (node.is_Symbol or node.is_Number or isinstance(node, (sp.Mul, sp.Pow, sp.Abs))):
            return False
    return True


def gold_named_value(g: Any, r: Any) -> Any:
    """Gold side only: `AB = 4`, `|AB| = 1`, `\\frac{NO}{BO} = \\frac{1}{\\sqrt6}` name the
    asked quantity; against a response that is not itself an equation, the gold is its value.
    (A response `AB = 4` against a gold `4` is not dropped in strict mode: lenient extraction.)"""
    if not (isinstance(g, Relation) and g.ops == ("=",)) or as_equation(r) is not None:
        return g
    lhs, rhs = g.exprs
    if _is_named_quantity(lhs) and isinstance(rhs, sp.Expr) and not rhs.free_symbols:
        return rhs
    return g


def item_name(item: Any) -> str | None:
    """The name an item assigns: `x = 1` -> x, `AB = 4` -> A*B; None for a bare value."""
    if isinstance(item, Assign):
        return item.var
    if isinstance(item, Relation) and item.ops == ("=",) and _is_named_quantity(item.exprs[0]):
        return str(item.exprs[0])
    return None


def distinct_assignments(items: tuple[Any, ...]) -> bool:
    """`x = 1, y = 2`, `AB = 4, CD = 5`: values tied to different names (order means something)."""
    names = [n for n in map(item_name, items) if n is not None]
    return len(items) > 1 and len(names) == len(items) and len(set(names)) == len(names)


_FUNCTION_LHS_RE = re.compile(r"^([A-Za-z])\(([A-Za-z])\)$")


def rename_argument(g: Assign, r: Assign) -> Any:
    """`f(t) = t^2` against `f(x) = ...`: r's value with its argument renamed to g's (the
    argument is a bound variable, rule 13); None when the two do not define the same function
    name or the renaming would capture a free symbol of r's value."""
    mg, mr = _FUNCTION_LHS_RE.match(g.var), _FUNCTION_LHS_RE.match(r.var)
    if mg is None or mr is None or mg.group(1) != mr.group(1):
        return None
    old, new = sp.Symbol(mr.group(2)), sp.Symbol(mg.group(2))
    if not isinstance(r.value, sp.Expr) or new in r.value.free_symbols:
        return None
    return r.value.xreplace({old: new})


def assigned_value(obj: Any) -> Any:
    """A hook for lenient extraction (never used by strict grading): the value of a response
    that assigns a constant to a function value or an expression, `f(1) = 23`, `AB = 4`,
    `|PQ| = 2\\sqrt2` -> 23, 4, 2 sqrt 2; the object unchanged otherwise (also for `x + y = 5`
    with symbols on the right, a chain, or a list)."""
    if isinstance(obj, Assign) and isinstance(obj.value, sp.Expr) and not obj.value.free_symbols:
        return obj.value
    if isinstance(obj, Relation) and obj.ops == ("=",):
        lhs, rhs = obj.exprs
        if isinstance(lhs, sp.Expr) and lhs.free_symbols and isinstance(rhs, sp.Expr) and (
            not rhs.free_symbols
        ):
            return rhs
    return obj


__all__ = [
    "as_equation", "assigned_value", "distinct_assignments", "gold_named_value", "item_name",
    "rename_argument",
]
