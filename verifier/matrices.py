"""Arithmetic on matrix literals (grading-policy rule 16): `A + B`, `A - B`, `c A`, `A B`.

`\\begin{pmatrix}1&2\\end{pmatrix} + \\begin{pmatrix}3&4\\end{pmatrix}` is the matrix
(4, 6); a scalar times a matrix scales every entry. Shapes must agree (else the answer does
not parse); the work is bounded before it starts: entries <= max_items, a product at most
MAX_PRODUCT_MULS scalar multiplications, and every exact product passes check_product.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from verifier import limits
from verifier.errors import ParseError, ResourceLimitError
from verifier.nodes import MatrixLit

MAX_PRODUCT_MULS = 4096


def _shape(m: MatrixLit) -> tuple[int, int]:
    return len(m.rows), len(m.rows[0])


def _scalar(x: Any) -> sp.Expr:
    if not isinstance(x, sp.Expr):
        raise ParseError("matrix arithmetic with a non-number")
    return x


def matrix_add(a: Any, b: Any, sign: int = 1) -> MatrixLit:
    """a + sign*b for two matrices of the same shape."""
    if not (isinstance(a, MatrixLit) and isinstance(b, MatrixLit)) or _shape(a) != _shape(b):
        raise ParseError("adding matrices of different shapes (or a matrix and a number)")
    return MatrixLit(tuple(
        tuple(sp.Add(x, sign * y) for x, y in zip(ra, rb, strict=True))
        for ra, rb in zip(a.rows, b.rows, strict=True)
    ))


def _scale(c: sp.Expr, m: MatrixLit) -> MatrixLit:
    rows = []
    for row in m.rows:
        out = []
        for x in row:
            limits.check_product(c, x)
            out.append(sp.Mul(c, x))
        rows.append(tuple(out))
    return MatrixLit(tuple(rows))


def matrix_mul(a: Any, b: Any) -> MatrixLit:
    """Scalar times matrix, matrix times scalar, or a conforming matrix product."""
    if not isinstance(a, MatrixLit):
        return _scale(_scalar(a), b)
    if not isinstance(b, MatrixLit):
        return _scale(_scalar(b), a)
    (n, k), (k2, m) = _shape(a), _shape(b)
    if k != k2:
        raise ParseError("matrix product of non-conforming shapes")
    if n * k * m > MAX_PRODUCT_MULS:
        raise ResourceLimitError("matrix product too large")
    rows = []
    for i in range(n):
        row = []
        for j in range(m):
            terms = []
            for t in range(k):
                x, y = a.rows[i][t], b.rows[t][j]
                limits.check_product(x, y)
                terms.append(sp.Mul(x, y))
            row.append(sp.Add(*terms))
        rows.append(tuple(row))
    return MatrixLit(tuple(rows))


def matrix_neg(m: MatrixLit) -> MatrixLit:
    return MatrixLit(tuple(tuple(-x for x in row) for row in m.rows))


__all__ = ["matrix_add", "matrix_mul", "matrix_neg"]
