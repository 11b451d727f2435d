"""Typed answer objects the parser builds (scalars are plain sympy expressions).

Each structure keeps its exact shape (brackets, order, assignment variable) so that
`compare.py` can apply the policy's shape rules: tuples are ordered, sets are not,
brackets matter for intervals, matrices compare entrywise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Assign:
    """`x = 5`, `y = 2x+1`, `f(x) = ...`: a leading single-variable assignment (rule 13)."""

    var: str
    value: Any
    lhs: Any  # the variable as an expression, to compare as an equation when needed


@dataclass(frozen=True)
class Relation:
    """An equation or (chained) inequality: exprs[0] ops[0] exprs[1] ops[1] ..."""

    exprs: tuple[Any, ...]
    ops: tuple[str, ...]  # "=", "<", ">", "<=", ">=", "!="


@dataclass(frozen=True)
class Bracketed:
    """`(a, b)`, `[a, b)`, ...: a tuple or an interval; decided at comparison time."""

    open: str
    close: str
    items: tuple[Any, ...]


@dataclass(frozen=True)
class SetLit:
    """`\\{a, b\\}`: unordered."""

    items: tuple[Any, ...]


@dataclass(frozen=True)
class ListLit:
    """A bare top-level list `2, 3` / `x=2 or x=3` / `\\pm 2`: a solution set (rule 15)."""

    items: tuple[Any, ...]


@dataclass(frozen=True)
class SetOp:
    """`A \\cup B`, `A \\cap B`, `A \\setminus B`."""

    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class NamedSet:
    """`\\mathbb{R}` ("reals"), `\\emptyset` ("empty")."""

    name: str


@dataclass(frozen=True)
class MatrixLit:
    """`\\begin{pmatrix}...\\end{pmatrix}` (any of p/b/B/plain/small matrix)."""

    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Text:
    """A text answer: lower-cased, whitespace-collapsed (rule 18)."""

    text: str


@dataclass(frozen=True)
class Choice:
    """A multiple-choice letter: `(A)`, `A`, `\\textbf{(A)}` (rule 18)."""

    letter: str


@dataclass(frozen=True)
class Family:
    """`\\frac{\\pi}{4} + k\\pi, k \\in \\mathbb{Z}`: the set {value : var an integer} (rule 13)."""

    value: Any
    var: Any  # the sympy Symbol of the integer parameter


@dataclass(frozen=True)
class Ratio:
    """`1:2`, `3:4:5`: terms of a ratio; equal when proportional (rule 13)."""

    items: tuple[Any, ...]
    clock: bool = False  # written like a time of day `H:MM` (`12:30`): compared term by term


@dataclass(frozen=True)
class Congruence:
    """`9 \\pmod{11}`, `n \\equiv 3 \\pmod 7`: a value with its modulus (rule 6)."""

    value: Any
    modulus: Any  # a positive sympy Integer
