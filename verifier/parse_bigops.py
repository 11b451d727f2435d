"""Big-operator commands of the answer parser: `\\sum`, `\\prod`, `\\int`, `\\lim`, `\\vec`.

Split from `parse_commands.py` to keep modules small; the evaluation itself (size checks, budgets,
closed forms, structural comparison) is in `bigops.py`.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from verifier import bigops
from verifier.errors import ParseError
from verifier.lexer import Token

_ARROWS = frozenset({"to", "rightarrow", "longrightarrow"})


def _ex(value: Any) -> sp.Expr:
    if not isinstance(value, sp.Expr):
        raise ParseError("arithmetic on a non-number (tuple, set, interval or matrix)")
    return value


class BigOpsMixin:
    """Methods of `parse.Parser` for the big operators (uses its token helpers)."""

    # provided by Parser
    peek: Any
    at: Any
    at_op: Any
    next: Any
    expect_op: Any
    sum_expr: Any
    term: Any
    arg: Any
    bound: frozenset[str]
    pos: int
    toks: list[Token]

    def big_operator(self, name: str) -> sp.Expr:
        """`\\sum_{k=1}^{n} body`, `\\prod_{k=1}^{5} body`; the body is one product term."""
        self.expect_op("_")
        self.expect_op("{")
        var_tok = self.next()
        if var_tok.kind != "LETTER":
            raise ParseError("unsupported index of a sum or product")
        var = sp.Symbol(var_tok.text)
        self.expect_op("=")
        lower = _ex(self.sum_expr())
        self.expect_op("}")
        self.expect_op("^")
        upper = _ex(self.arg())
        outer = self.bound
        self.bound = outer | {var.name}  # `\\sum_{i=1}^{3} i^2`: i is the index, not sqrt(-1)
        try:
            body = _ex(self.term())
        finally:
            self.bound = outer
        kind = sp.Sum if name == "sum" else sp.Product
        return bigops.big_operator(kind, body, var, lower, upper)

    def integral(self) -> sp.Expr:
        """`\\int_a^b body dx` (or `\\int body dx`): the body ends at the differential."""
        lower = upper = None
        if self.at_op("_"):
            self.next()
            lower = _ex(self.arg())
            self.expect_op("^")
            upper = _ex(self.arg())
        end = self.differential_index()
        sub = type(self)(self.toks[self.pos : end])  # the body alone, parsed whole
        body = _ex(sub.sum_expr())
        if sub.peek() is not None:
            raise ParseError("unexpected text inside an integral")
        var_tok = self.toks[end + 1]
        var = sp.Symbol(var_tok.text)
        self.pos = end + 2
        return bigops.definite_integral(body, var, lower, upper)

    def differential_index(self) -> int:
        """Index of the `d` of `dx` closing an integral's body (bracket depth 0)."""
        depth = 0
        for i in range(self.pos, len(self.toks) - 1):
            t = self.toks[i]
            if t.kind == "OP" and t.text in ("(", "[", "{", "\\{"):
                depth += 1
            elif t.kind == "OP" and t.text in (")", "]", "}", "\\}"):
                depth -= 1
            elif depth == 0 and t.kind == "LETTER" and t.text == "d" and (
                self.toks[i + 1].kind == "LETTER" and i > self.pos
            ):
                return i
        raise ParseError("integral without a differential")

    def limit(self) -> sp.Expr:
        """`\\lim_{x \\to a} body`, kept unevaluated (compared structurally)."""
        self.expect_op("_")
        self.expect_op("{")
        var_tok = self.next()
        to = self.next()
        if var_tok.kind != "LETTER" or to.kind != "CMD" or to.text not in _ARROWS:
            raise ParseError("unsupported limit")
        direction = "+-"
        close = self.pos
        while close < len(self.toks) and self.toks[close].text != "}":
            close += 1
        tail = [t.text for t in self.toks[close - 2 : close]]
        if len(tail) == 2 and tail[0] == "^" and tail[1] in ("+", "-"):
            direction = tail[1]
            del self.toks[close - 2 : close]
        point = _ex(self.sum_expr())
        self.expect_op("}")
        body = _ex(self.term())
        return sp.Limit(body, sp.Symbol(var_tok.text), point, direction)

    def vector_name(self) -> sp.Expr:
        """`\\vec{v}`, `\\overrightarrow{AB}`: a named vector, compared by its name."""
        parts = []
        if self.at_op("{"):
            self.next()
            while not self.at_op("}"):
                tok = self.next()
                if tok.kind not in ("LETTER", "NUM", "WORD"):
                    raise ParseError("unsupported vector name")
                parts.append(tok.text)
            self.next()
        else:
            tok = self.next()
            if tok.kind != "LETTER":
                raise ParseError("unsupported vector name")
            parts.append(tok.text)
        if not parts:
            raise ParseError("empty vector name")
        return sp.Symbol("vec_" + "".join(parts))
