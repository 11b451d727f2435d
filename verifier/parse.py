"""Normalized answer string -> typed answer object, without evaluating any text (rule 20).

A recursive-descent parser over the whitelist tokens of `lexer.py` that builds sympy objects
directly from their constructors (Integer, Rational, Symbol, Add, Mul, Pow, named functions).
No string ever reaches sympify/parse_expr/eval. Size checks from `limits.py` run before
every power, factorial and binomial is built, so evaluation stays small (rule 21).

Precedence, loosest first: list (`,` `;` `or` `and`) > set operation (`\\cup`) > relation
(`=` `<` ...) > sum (`+` `-` `\\pm`) > product (`\\cdot` `/` implicit) > unary minus >
power > postfix `!` > primary.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sympy as sp

from verifier import limits
from verifier.errors import ParseError, ResourceLimitError, UndefinedError
from verifier.families import mark_family
from verifier.lexer import Token, tokenize
from verifier.matrices import matrix_add, matrix_mul, matrix_neg
from verifier.nodes import (
    Assign,
    Bracketed,
    Congruence,
    ListLit,
    MatrixLit,
    Ratio,
    Relation,
    SetOp,
    Text,
)
from verifier.parse_commands import GREEK_CMDS, CommandsMixin, ex, number_value
from verifier.quantifiers import split_modulus, split_quantifier, split_universal

PM = sp.Symbol("__pm__")  # placeholder for ±; expanded into two list items per item
_REL_OPS = {"=": "=", "==": "=", "<": "<", ">": ">", "<=": "<=", ">=": ">=", "!=": "!="}
_REL_CMDS = {
    "le": "<=", "leq": "<=", "leqslant": "<=", "ge": ">=", "geq": ">=", "geqslant": ">=",
    "lt": "<", "gt": ">", "ne": "!=", "neq": "!=", "approx": "~",
}
_SET_CMDS = {"cup": "cup", "cap": "cap", "setminus": "setminus"}
_MUL_CMDS = {"cdot", "times", "ast"}


class Parser(CommandsMixin):
    """One parse of one token list. Methods consume tokens left to right."""

    def __init__(self, tokens: list[Token]) -> None:
        self.toks = tokens
        self.pos = 0
        self.bound: frozenset[str] = frozenset()

    # -- token helpers ------------------------------------------------------------------
    def peek(self, k: int = 0) -> Token | None:
        i = self.pos + k
        return self.toks[i] if i < len(self.toks) else None

    def at(self, kind: str, text: str | None = None, k: int = 0) -> bool:
        t = self.peek(k)
        return t is not None and t.kind == kind and (text is None or t.text == text)

    def at_op(self, *texts: str) -> bool:
        t = self.peek()
        return t is not None and t.kind == "OP" and t.text in texts

    def next(self) -> Token:
        t = self.peek()
        if t is None:
            raise ParseError("unexpected end of answer")
        self.pos += 1
        return t

    def expect_op(self, text: str) -> None:
        t = self.next()
        if t.kind != "OP" or t.text != text:
            raise ParseError(f"expected {text!r}, found {t.text!r}")

    # -- lists, sets, relations ---------------------------------------------------------
    def parse_top(self) -> Any:
        items = self.list_items(closers=())
        if self.peek() is not None:
            raise ParseError(f"unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        return items[0] if len(items) == 1 else ListLit(tuple(items))

    def at_separator(self) -> bool:
        return self.at_op(",", ";") or self.at("WORD", "or") or self.at("WORD", "and")

    def list_items(self, closers: tuple[str, ...], expand: bool = True) -> list[Any]:
        """Items separated by `,` `;` `or` `and`, up to (not including) a closer or the end.

        `expand`: a `\\pm` item becomes two items (top level and `\\{..\\}` only; inside
        brackets and macro arguments the sign stays in the expression until the top).
        """
        items: list[Any] = []
        while self.peek() is not None and not self.at_op(*closers):
            item = self.set_expr()
            items.extend(expand_pm(item) if expand else [item])
            if len(items) > limits.LIMITS.max_items:
                raise ResourceLimitError(f"more than {limits.LIMITS.max_items} list items")
            if not self.at_separator():
                break
            while self.at_separator():  # `x=2, or x=3`: several separators in a row
                self.next()
        if not items:
            raise ParseError("empty answer")
        return items

    def set_expr(self) -> Any:
        left = self.relation()
        while self.peek() is not None and self.peek().kind == "CMD" and (  # type: ignore[union-attr]
            self.peek().text in _SET_CMDS  # type: ignore[union-attr]
        ):
            op = _SET_CMDS[self.next().text]
            left = SetOp(op, left, self.relation())
        return left

    def rel_op(self) -> str | None:
        t = self.peek()
        if t is None:
            return None
        if t.kind == "OP" and t.text in _REL_OPS:
            return _REL_OPS[t.text]
        if t.kind == "CMD" and t.text in _REL_CMDS:
            return _REL_CMDS[t.text]
        return None

    def relation(self) -> Any:
        assign_var = self.assignment_lhs()
        if self.at("CMD", "in") and assign_var is None:
            raise ParseError("\\in without a variable")
        names = self.tuple_of_names()
        first = self.ratio_expr() if not self.at("CMD", "in") else None
        if self.at("CMD", "in"):  # `x \in (3, \infty)`: the set is the answer
            self.next()
            return self.set_expr()
        exprs, ops = [first], []
        while (op := self.rel_op()) is not None:
            self.next()
            ops.append(op)
            exprs.append(self.ratio_expr())
        if "~" in ops:  # `\\frac13 \\approx 0.33`: the approximation is a comment, dropped
            cut = ops.index("~")
            exprs, ops = exprs[: cut + 1], ops[:cut]
        if not ops:
            return exprs[0]
        if names is not None and ops == ["="] and isinstance(exprs[1], Bracketed) and len(
            exprs[1].items
        ) == len(names) and isinstance(exprs[0], Bracketed):
            # `(f(n), g(n)) = (n, 1)` is `f(n) = n, g(n) = 1` (rule 13)
            return ListLit(tuple(
                Assign(name, value, lhs)
                for name, value, lhs in zip(names, exprs[1].items, exprs[0].items, strict=True)
            ))
        if ops == ["="] and isinstance(exprs[0], Ratio) and all(
            isinstance(i, sp.Symbol) for i in exprs[0].items
        ) and not any(_mentions(exprs[1], i) for i in exprs[0].items):
            return exprs[1]  # `V_1 : V_2 = 11 : 21`: the names of the ratio's terms are dropped
        if assign_var is not None and ops == ["="] and not _mentions(exprs[1], exprs[0]):
            name = exprs[0].name if isinstance(exprs[0], sp.Symbol) else assign_var
            return Assign(name, exprs[1], exprs[0])
        if ops == ["="] and isinstance(exprs[0], Bracketed) and all(
            isinstance(i, sp.Symbol) for i in exprs[0].items
        ):
            return exprs[1]  # `(x, y) = (1, 2)`: the variables' names are dropped
        if ops == ["="] and isinstance(exprs[1], sp.Symbol) and not _mentions(exprs[0], exprs[1]):
            return Assign(exprs[1].name, exprs[0], exprs[1])  # `5 = x`, `2x+1 = y`
        return Relation(tuple(exprs), tuple(ops))

    def ratio_expr(self) -> Any:
        """`a : b (: c ...)`: a ratio; a single term is returned as it is."""
        start = self.pos
        first = self.sum_expr()
        if not self.at_op(":"):
            return first
        clock = self.pos == start + 1 and _is_clock(self.toks[start : start + 3])
        items = [ex(first)]
        while self.at_op(":"):
            self.next()
            items.append(ex(self.sum_expr()))
            if len(items) > limits.LIMITS.max_items:
                raise ResourceLimitError(f"more than {limits.LIMITS.max_items} ratio terms")
        return Ratio(tuple(items), clock=clock and len(items) == 2 and self.pos == start + 3)

    def function_name_at(self, k: int) -> tuple[str, int] | None:
        """`f(x)` (a letter, `(`, a letter, `)`) at offset k: its text and length in tokens."""
        if self.at("LETTER", None, k) and self.at("OP", "(", k + 1) and self.at(
            "LETTER", None, k + 2
        ) and self.at("OP", ")", k + 3):
            return "".join(t.text for t in self.toks[self.pos + k : self.pos + k + 4]), 4
        return None

    def tuple_of_names(self) -> list[str] | None:
        """The function names when the next tokens are `(f(n), g(n), ...) =`."""
        if not self.at_op("("):
            return None
        names, k = [], 1
        while (found := self.function_name_at(k)) is not None:
            names.append(found[0])
            k += found[1]
            if self.at("OP", ")", k):
                nxt = self.peek(k + 1)
                is_eq = nxt is not None and nxt.kind == "OP" and nxt.text in ("=", "==")
                return names if is_eq and len(names) > 1 else None
            if not self.at("OP", ",", k):
                return None
            k += 1
        return None

    def assignment_lhs(self) -> str | None:
        """The name when the next tokens are `x =`, `x_1 =`, `f(x) =` or `x \\in`."""
        t = self.peek()
        if t is None or t.kind != "LETTER" and not (t.kind == "CMD" and t.text in GREEK):
            return None
        k = 1
        if self.at("OP", "_", k):
            k += 2 if not self.at("OP", "{", k + 1) else 4
        if self.at("OP", "(", k) and self.at("LETTER", None, k + 1) and self.at("OP", ")", k + 2):
            k += 3
        nxt = self.peek(k)
        if nxt is None:
            return None
        is_eq = nxt.kind == "OP" and nxt.text in ("=", "==")
        if is_eq or (nxt.kind == "CMD" and nxt.text == "in"):
            return "".join(tok.text for tok in self.toks[self.pos : self.pos + k])
        return None

    # -- arithmetic ---------------------------------------------------------------------
    def sum_expr(self) -> sp.Expr:
        left = self.term()
        while True:
            if self.at_op("+", "-"):
                sign = 1 if self.next().text == "+" else -1
                right = self.term()
                if isinstance(left, MatrixLit) or isinstance(right, MatrixLit):
                    left = matrix_add(left, right, sign)  # rule 16: matrix literal sums
                else:
                    left = sp.Add(ex(left), sign * ex(right))
            elif self.at("CMD", "pm") or self.at("CMD", "mp"):
                sign = PM if self.next().text == "pm" else -PM
                left = sp.Add(ex(left), sign * ex(self.term()))
            else:
                return left

    def term(self) -> sp.Expr:
        left = self.unary()
        while True:
            t = self.peek()
            if t is None:
                return left
            if (t.kind == "OP" and t.text == "*") or (t.kind == "CMD" and t.text in _MUL_CMDS):
                self.next()
                left = _multiply(left, self.unary())
            elif (t.kind == "OP" and t.text == "/") or (t.kind == "CMD" and t.text == "div"):
                self.next()
                left = _divide(ex(left), ex(self.unary()))
            elif self.starts_factor(t):
                if t.kind == "NUM" and self.toks[self.pos - 1].kind == "NUM":
                    raise ParseError("two numbers in a row (a space is not multiplication)")
                left = _multiply(left, self.power())
            else:
                return left

    def unary(self) -> sp.Expr:
        if self.at_op("-"):
            self.next()
            value = self.unary()
            return matrix_neg(value) if isinstance(value, MatrixLit) else -ex(value)
        if self.at_op("+"):
            self.next()
            return self.unary()
        if self.at("CMD", "pm") or self.at("CMD", "mp"):
            sign = PM if self.next().text == "pm" else -PM
            return sign * ex(self.unary())
        return self.power()

    def power(self) -> sp.Expr:
        base = self.postfix()
        if self.at_op("^", "**"):
            self.next()
            base, exp = ex(base), ex(self.exponent())
            if base == 0 and exp == 0:
                raise UndefinedError("0^0 is indeterminate")  # decision: never a value
            limits.check_pow(base, exp)
            return sp.Pow(base, exp)
        return base

    def exponent(self) -> sp.Expr:
        if self.at_op("{"):
            return self.braced_expr()
        if self.at_op("-"):
            self.next()
            return -self.exponent()
        if self.at("NUM"):  # `x^2\frac12` is x^2/2: no mixed number inside an exponent
            return number_value(self.next())
        return self.postfix()

    def postfix(self) -> sp.Expr:
        value = self.primary()
        while self.at_op("!"):
            self.next()
            value = ex(value)
            limits.check_factorial(value)
            value = sp.factorial(value)
        return value


def _top_level_split(tokens: list[Token], sep: str) -> list[list[Token]]:
    """Split at `sep` tokens outside any brackets."""
    groups: list[list[Token]] = [[]]
    depth = 0
    for t in tokens:
        if t.kind == "OP" and t.text in ("(", "[", "{", "\\{"):
            depth += 1
        elif t.kind == "OP" and t.text in (")", "]", "}", "\\}"):
            depth -= 1
        if depth == 0 and t.kind == "OP" and t.text == sep:
            groups.append([])
        else:
            groups[-1].append(t)
    return groups


def _assignment_groups(tokens: list[Token]) -> ListLit | None:
    """`p=5, q=2; p=7, q=2`: solutions written as `;`-separated groups of assignments to the
    same variables in the same order are the set of tuples (5, 2), (7, 2) (rule 15)."""
    if not any(t.kind == "OP" and t.text == ";" for t in tokens):
        return None
    groups = _top_level_split(tokens, ";")
    if len(groups) < 2 or any(not g for g in groups):
        return None
    tuples, names = [], None
    for group in groups:
        try:
            parsed = Parser(group).parse_top()
        except ParseError:
            return None
        items = parsed.items if isinstance(parsed, ListLit) else (parsed,)
        if not items or not all(isinstance(i, Assign) for i in items):
            return None
        these = [i.var for i in items]
        if len(set(these)) != len(these) or (names is not None and these != names):
            return None
        names = these
        values = tuple(i.value for i in items)
        tuples.append(values[0] if len(values) == 1 else Bracketed("(", ")", values))
    return ListLit(tuple(tuples))


def _is_clock(toks: list[Token]) -> bool:
    """`H:MM` / `HH:MM` with minutes below 60: a time of day, not a ratio to scale."""
    if len(toks) != 3 or toks[0].kind != "NUM" or toks[2].kind != "NUM":
        return False
    hours, minutes = toks[0].text, toks[2].text
    return (
        hours.isdigit() and len(hours) <= 2 and minutes.isdigit() and len(minutes) == 2
        and int(minutes) < 60
    )


def _multiply(left: Any, right: Any) -> Any:
    if isinstance(left, MatrixLit) or isinstance(right, MatrixLit):
        return matrix_mul(left, right)
    left, right = ex(left), ex(right)
    limits.check_product(left, right)
    return sp.Mul(left, right)


def _divide(num: sp.Expr, den: sp.Expr) -> sp.Expr:
    if den == 0:
        raise UndefinedError("division by zero")
    return sp.Mul(num, sp.Pow(den, -1))


def _mentions(value: Any, var: Any) -> bool:
    return isinstance(value, sp.Basic) and isinstance(var, sp.Basic) and bool(
        var.free_symbols & value.free_symbols
    ) and var.is_Symbol


def expand_pm(item: Any) -> list[Any]:
    """`1 \\pm \\sqrt2` -> [1+sqrt2, 1-sqrt2]; `x = \\pm 2` -> [x=2, x=-2] (rule 15)."""
    if isinstance(item, sp.Basic) and item.has(PM):
        return [item.subs(PM, 1), item.subs(PM, -1)]
    if isinstance(item, Assign) and isinstance(item.value, sp.Basic) and item.value.has(PM):
        return [Assign(item.var, item.value.subs(PM, s), item.lhs) for s in (1, -1)]
    if isinstance(item, Relation) and any(
        isinstance(e, sp.Basic) and e.has(PM) for e in item.exprs
    ):
        raise ParseError("\\pm inside a relation")
    return [item]


GREEK = GREEK_CMDS


@lru_cache(maxsize=4096)
def parse_normalized(text: str) -> Any:
    """Typed answer object of a normalized answer string (immutable, so cached)."""
    try:
        tokens = tokenize(text)
    except ResourceLimitError:
        raise
    if not tokens:
        raise ParseError("empty answer")
    if all(t.kind in ("WORD", "LETTER") for t in tokens) and any(
        t.kind == "WORD" and t.text not in ("pi", "infty", "infinity", "inf", "oo") for t in tokens
    ):
        return Text(" ".join(text.lower().split()))
    tokens, integer_var = split_quantifier(tokens)
    tokens = split_universal(tokens)
    tokens, modulus = split_modulus(tokens)
    grouped = _assignment_groups(tokens)
    if grouped is not None:
        return grouped
    parsed = Parser(tokens).parse_top()
    if modulus is not None:
        parsed = _with_modulus(parsed, sp.Integer(modulus))
    return mark_family(parsed, integer_var) if integer_var is not None else parsed


def _with_modulus(parsed: Any, modulus: sp.Integer) -> Any:
    """`9 \\pmod{11}` -> Congruence(9, 11); `n \\equiv 3 \\pmod 7` -> n = Congruence(3, 7)."""
    if isinstance(parsed, Assign) and isinstance(parsed.value, sp.Expr):
        return Assign(parsed.var, Congruence(parsed.value, modulus), parsed.lhs)
    if isinstance(parsed, sp.Expr):
        return Congruence(parsed, modulus)
    raise ParseError("a modulus after something that is not a value")


__all__ = ["PM", "Parser", "expand_pm", "parse_normalized"]
