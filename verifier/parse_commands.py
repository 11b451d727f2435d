"""Primary expressions of the answer parser: numbers, letters, brackets, LaTeX commands.

Split from `parse.py` to keep modules small. Every command accepted here is on an explicit
list; an unknown command is a ParseError (UNPARSEABLE), never a guess.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from verifier import limits
from verifier.errors import ParseError, UndefinedError
from verifier.lexer import Token
from verifier.nodes import Bracketed, ListLit, MatrixLit, NamedSet, SetLit
from verifier.parse_bigops import BigOpsMixin

_FUNCS = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "cot": sp.cot, "sec": sp.sec, "csc": sp.csc,
    "arcsin": sp.asin, "arccos": sp.acos, "arctan": sp.atan, "asin": sp.asin, "acos": sp.acos,
    "atan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "exp": sp.exp,
    "ln": sp.log, "log": sp.log, "arccot": sp.acot,
}
_INVERSE = {"sin": sp.asin, "cos": sp.acos, "tan": sp.atan}
_CONSTS = {"pi": sp.pi, "infty": sp.oo, "infinity": sp.oo, "inf": sp.oo, "oo": sp.oo}
_MATRIX_ENVS = {"pmatrix", "bmatrix", "Bmatrix", "matrix", "smallmatrix", "array"}
_CLOSE = {"(": (")", "]"), "[": (")", "]")}


def _indexed(ch: str, sub: sp.Expr) -> sp.Expr:
    """`a_{n-1}`: an indexed name; `a_{2}` stays the symbol a_2 (so sums can fill indices)."""
    if sub.is_Integer and sub >= 0:
        return sp.Symbol(f"{ch}_{sub}")
    if isinstance(sub, sp.Symbol):
        return sp.Symbol(f"{ch}_{sub.name}")
    return sp.Function(f"{ch}_")(sub)


def ex(value: Any) -> sp.Expr:
    """The operand of an arithmetic operation must be a sympy expression (not a tuple/set)."""
    if not isinstance(value, sp.Expr):
        raise ParseError("arithmetic on a non-number (tuple, set, interval or matrix)")
    return value


def number_value(tok: Token) -> sp.Rational:
    """Exact rational of a NUM token: `2.50` = 5/2, `0.1\\overline{6}` = 1/6, `1.5e3` = 1500."""
    digits = tok.text
    whole, _, frac = digits.partition(".")
    value = sp.Rational(int(whole or "0") * 10 ** len(frac) + int(frac or "0"), 10 ** len(frac))
    if tok.repeat:
        rep = int(tok.repeat)
        value += sp.Rational(rep, 10 ** len(frac) * (10 ** len(tok.repeat) - 1))
    if tok.exp:
        value *= sp.Integer(10) ** int(tok.exp)
    return value


class CommandsMixin(BigOpsMixin):
    """Primary-expression methods of `parse.Parser` (uses its token helpers)."""

    # provided by Parser
    peek: Any
    at: Any
    at_op: Any
    next: Any
    expect_op: Any
    list_items: Any
    sum_expr: Any
    set_expr: Any
    power: Any
    term: Any
    bound: frozenset[str]  # index letters of the enclosing sums (`i` is then not sqrt(-1))
    pos: int
    toks: list[Token]

    def starts_factor(self, t: Token) -> bool:
        """Can `t` begin an implicitly multiplied factor (`2x`, `2\\pi`, `(x+1)(x-1)`)?"""
        if t.kind in ("NUM", "LETTER"):
            return True
        if t.kind == "WORD":
            return t.text in _FUNCS or t.text in _CONSTS or t.text in ("sqrt", "abs")
        if t.kind == "OP":
            return t.text in ("(", "{")
        return t.kind == "CMD" and t.text in _FACTOR_CMDS

    def primary(self) -> Any:
        t = self.next()
        if t.kind == "NUM":
            return self.number(t)
        if t.kind == "LETTER":
            return self.letter(t.text)
        if t.kind == "WORD":
            return self.word(t.text)
        if t.kind == "OP":
            if t.text in ("(", "["):
                return self.bracketed(t.text)
            if t.text == "{":  # LaTeX grouping braces; `{1,3}` shows as the list 1,3
                items = self.list_items(closers=("}",), expand=False)
                self.expect_op("}")
                return items[0] if len(items) == 1 else ListLit(tuple(items))
            if t.text == "\\{" and self.at("LETTER") and self.at_builder_bar(1):
                return self.set_builder()
            if t.text == "\\{":
                items = [] if self.at_op("\\}") else self.list_items(closers=("\\}",))
                self.expect_op("\\}")
                return SetLit(tuple(items))
            if t.text == "|":
                inner = ex(self.sum_expr())
                self.expect_op("|")
                return sp.Abs(inner)
        if t.kind == "CMD":
            return self.command(t.text)
        raise ParseError(f"unexpected {t.text!r}")

    def at_builder_bar(self, k: int) -> bool:
        t = self.peek(k)
        return t is not None and (
            (t.kind == "OP" and t.text in ("|", ":")) or (t.kind == "CMD" and t.text == "mid")
        )

    def set_builder(self) -> Any:
        """`\\{x \\mid 1 < x \\le 3\\}` is the set its condition describes."""
        self.next()
        self.next()
        cond = self.set_expr()
        self.expect_op("\\}")
        return cond

    def number(self, tok: Token) -> sp.Expr:
        if self.at_op("_") and not tok.exp and not tok.repeat:
            return self.base_numeral(tok)
        value = number_value(tok)
        nxt = self.peek()
        # Rule 12: an integer directly followed by \frac of integers is a mixed number.
        if value.is_Integer and not tok.exp and nxt is not None and nxt.kind == "CMD" and (
            nxt.text == "frac"
        ):
            save = self.pos
            self.next()
            num, den = ex(self.arg()), ex(self.arg())
            if num.is_Integer and den.is_Integer and den != 0 and num >= 0 and den > 0:
                return value + sp.Rational(num, den)
            self.pos = save
        return value

    def base_numeral(self, tok: Token) -> sp.Expr:
        """`1010_2`, `204_{5}`, `0.0011_{2}`: a numeral in base 2..10 (rule 19)."""
        self.next()  # `_`
        braced = self.at_op("{")
        if braced:
            self.next()
        paren = braced and self.at_op("(")  # `1010_{(2)}`
        if paren:
            self.next()
        base_tok = self.next()
        if paren:
            self.expect_op(")")
        if braced:
            self.expect_op("}")
        digits = base_tok.text if base_tok.kind == "NUM" else ""
        if not digits.isdigit() or not 2 <= int(digits) <= 10:
            raise ParseError("unsupported numeral base")
        base = int(base_tok.text)
        whole, _, frac = tok.text.partition(".")
        if any(int(d) >= base for d in whole + frac):
            raise ParseError(f"digit out of range for base {base}")
        value = sp.Integer(int(whole or "0", base))
        if frac:
            value += sp.Rational(int(frac, base), base ** len(frac))
        return value

    def letter(self, ch: str) -> sp.Expr:
        if self.at_op("_"):
            self.next()
            save = self.pos
            try:
                sub = self.subscript_text()
            except ParseError:
                if not self.toks[save : save + 1] or self.toks[save].text != "{":
                    raise
                self.pos = save
                return _indexed(ch, ex(self.braced_expr()))
            return sp.Symbol(f"{ch}_{sub}")
        if ch in self.bound:
            return sp.Symbol(ch)
        if ch == "i":
            return sp.I
        if ch == "e":
            return sp.E
        return sp.Symbol(ch)

    def subscript_text(self) -> str:
        if self.at_op("{"):
            self.next()
            parts = []
            while not self.at_op("}"):
                tok = self.next()
                if tok.kind not in ("NUM", "LETTER", "WORD"):
                    raise ParseError("unsupported subscript")
                parts.append(tok.text)
            self.next()
            return "".join(parts)
        tok = self.next()
        if tok.kind == "NUM":
            return tok.text[0] if len(tok.text) > 1 else tok.text
        if tok.kind in ("LETTER", "WORD"):
            return tok.text
        raise ParseError("unsupported subscript")

    def word(self, name: str) -> sp.Expr:
        if name in _CONSTS:
            return _CONSTS[name]
        if name in ("sqrt", "abs") or name in _FUNCS:
            if not self.at_op("("):
                raise ParseError(f"{name} without parentheses")
            self.next()
            inner = ex(self.sum_expr())
            self.expect_op(")")
            if name == "sqrt":
                return sp.sqrt(inner)
            if name == "abs":
                return sp.Abs(inner)
            return _FUNCS[name](inner)
        raise ParseError(f"text {name!r} inside maths")

    def bracketed(self, opener: str) -> Any:
        items = self.list_items(closers=(")", "]"), expand=False)
        close = self.next()
        if close.kind != "OP" or close.text not in _CLOSE[opener]:
            raise ParseError("unbalanced brackets")
        if len(items) == 1:
            if opener + close.text not in ("()", "[]"):
                raise ParseError("half-open bracket around one value")
            if isinstance(items[0], MatrixLit):  # `\left[\begin{matrix}..\end{matrix}\right]`
                return items[0]
            if not isinstance(items[0], sp.Basic):
                raise ParseError("brackets around a non-expression")
            return items[0]
        return Bracketed(opener, close.text, tuple(items))

    def braced_expr(self) -> Any:
        self.expect_op("{")
        items = self.list_items(closers=("}",), expand=False)
        self.expect_op("}")
        if len(items) != 1:
            raise ParseError("list inside braces")
        return items[0]

    def arg(self) -> Any:
        """One macro argument: `{...}` or a single token (`\\frac12`: the digit `1`)."""
        if self.at_op("{"):
            return self.braced_expr()
        if self.at_op("("):  # `\sqrt(2)` (Unicode √(2))
            return self.primary()
        t = self.peek()
        if t is not None and t.kind == "NUM" and len(t.text) > 1 and "." not in t.text:
            self.toks[self.pos] = Token("NUM", t.text[1:], False)
            return sp.Integer(int(t.text[0]))
        if t is not None and t.kind == "CMD" and t.text not in _FUNC_CMDS:
            return self.primary()
        if t is not None and t.kind in ("NUM", "LETTER"):
            self.next()
            return number_value(t) if t.kind == "NUM" else self.letter(t.text)
        raise ParseError("missing macro argument")

    def command(self, name: str) -> Any:
        if name == "frac":
            num, den = ex(self.arg()), ex(self.arg())
            if den == 0:
                raise UndefinedError("division by zero")
            return sp.Mul(num, sp.Pow(den, -1))
        if name == "sqrt":
            index = None
            if self.at_op("["):
                self.next()
                index = ex(self.sum_expr())
                self.expect_op("]")
            radicand = ex(self.arg())
            if index is None:
                return sp.sqrt(radicand)
            if index.is_Integer and index % 2 == 1 and radicand.is_negative:
                return -sp.root(-radicand, index)  # `\sqrt[3]{-8}` is the real root -2
            return sp.root(radicand, index)
        if name == "binom":
            n, k = ex(self.arg()), ex(self.arg())
            limits.check_binomial(n)
            return sp.binomial(n, k)
        if name in ("sum", "prod"):
            return self.big_operator(name)
        if name == "int":
            return self.integral()
        if name == "lim":
            return self.limit()
        if name in ("vec", "overrightarrow"):
            return self.vector_name()
        if name in _FUNC_CMDS:
            return self.function(name)
        if name in _CONST_CMDS:
            return _CONST_CMDS[name]
        if name in _GREEK_CMDS:
            return sp.Symbol(name)
        if name in ("mathbb", "Bbb") or name == "mathbf" and self.at_op("{"):
            return self.blackboard()
        if name in ("emptyset", "varnothing"):
            return NamedSet("empty")
        if name == "begin":
            return self.matrix()
        if name in ("lfloor", "lceil"):
            inner = ex(self.sum_expr())
            t = self.next()
            if t.kind != "CMD" or t.text != ("rfloor" if name == "lfloor" else "rceil"):
                raise ParseError("unbalanced floor/ceiling")
            return sp.floor(inner) if name == "lfloor" else sp.ceiling(inner)
        if name in ("lvert", "vert"):
            inner = ex(self.sum_expr())
            t = self.next()
            if t.kind != "CMD" or t.text not in ("rvert", "vert"):
                raise ParseError("unbalanced |")
            return sp.Abs(inner)
        raise ParseError(f"unsupported command \\{name}")

    def function(self, name: str) -> sp.Expr:
        """`\\sin x`, `\\sin^2 x`, `\\sin^{-1} x`, `\\log_2 8`, `\\ln(x)`."""
        base = None
        if name == "log" and self.at_op("_"):
            self.next()
            base = ex(self.arg())
        power = None
        if self.at_op("^"):
            self.next()
            power = ex(self.arg() if not self.at_op("-") else self.neg_arg())
        arg = ex(self.function_argument())
        if power == -1 and name in _INVERSE:
            return _INVERSE[name](arg)
        value = sp.log(arg, base) if base is not None else _FUNCS[name](arg)
        if power is not None:
            limits.check_pow(value, power)
            value = sp.Pow(value, power)
        return value

    def neg_arg(self) -> sp.Expr:
        self.expect_op("-")
        return -ex(self.arg())

    def function_argument(self) -> sp.Expr:
        if self.at_op("("):
            return self.power()
        value = self.power()
        while (t := self.peek()) is not None and t.kind in ("NUM", "LETTER") or (
            t is not None and t.kind == "CMD" and t.text in _CONST_CMDS
        ):
            value = sp.Mul(ex(value), ex(self.power()))
        return value

    def blackboard(self) -> NamedSet:
        """`\\mathbb{R}`, `\\mathbb Z`, ...: the number sets (`\\mathbb{Z}` is never a value)."""
        braced = self.at_op("{")
        if braced:
            self.next()
        t = self.next()
        if braced:
            self.expect_op("}")
        if t.kind != "LETTER" or t.text not in _NUMBER_SETS:
            raise ParseError("unsupported \\mathbb set")
        if t.text in ("Z", "N") and self.positive_mark():
            return NamedSet("naturals")  # `\\mathbb{Z}^+`, `\\mathbb{N}^*`: 1, 2, 3, ...
        return NamedSet(_NUMBER_SETS[t.text])

    def positive_mark(self) -> bool:
        """Consume `^+`, `^{+}`, `^*`, `^{*}`, `_{>0}` after a number set; True if one was there."""
        marks = ([("OP", "^"), ("OP", "+")], [("OP", "^"), ("OP", "{"), ("OP", "+"), ("OP", "}")],
                 [("OP", "^"), ("OP", "*")], [("OP", "^"), ("OP", "{"), ("OP", "*"), ("OP", "}")],
                 [("OP", "_"), ("OP", "{"), ("OP", ">"), ("NUM", "0"), ("OP", "}")])
        for mark in marks:
            if all(self.at(kind, text, k) for k, (kind, text) in enumerate(mark)):
                self.pos += len(mark)
                return True
        return False

    def env_name(self) -> str:
        self.expect_op("{")
        parts = []
        while not self.at_op("}"):
            parts.append(self.next().text)
        self.next()
        return "".join(parts)

    def matrix(self) -> MatrixLit:
        env = self.env_name()
        if env not in _MATRIX_ENVS:
            raise ParseError(f"unsupported environment {env}")
        if env == "array":
            self.env_name()  # column spec, e.g. {cc}
        rows: list[tuple[Any, ...]] = []
        row: list[Any] = []
        while True:
            if self.at("CMD", "end"):
                self.next()
                if self.env_name() != env:
                    raise ParseError("mismatched \\end")
                break
            row.append(ex(self.sum_expr()))
            if self.at_op("&"):
                self.next()
            elif self.at_op("\\\\"):
                self.next()
                rows.append(tuple(row))
                row = []
            elif not self.at("CMD", "end"):
                raise ParseError("bad matrix entry")
            if len(rows) * 8 + len(row) > limits.LIMITS.max_items:
                raise ParseError("matrix too large")
        if row:
            rows.append(tuple(row))
        if not rows or len({len(r) for r in rows}) != 1:
            raise ParseError("ragged or empty matrix")
        return MatrixLit(tuple(rows))


_NUMBER_SETS = {"R": "reals", "Z": "integers", "N": "naturals", "Q": "rationals", "C": "complexes"}
_FUNC_CMDS = frozenset(_FUNCS)
_CONST_CMDS = {"pi": sp.pi, "infty": sp.oo, "infinity": sp.oo, "imath": sp.I}
_GREEK_CMDS = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta kappa lambda mu nu xi rho "
    "sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Sigma Phi Psi "
    "Omega".split()
)
GREEK_CMDS = _GREEK_CMDS
_FACTOR_CMDS = frozenset({
    "frac", "sqrt", "binom", "lfloor", "lceil", "lvert", "begin", "sum", "prod", "int", "lim",
    "vec", "overrightarrow",
}) | (
    _FUNC_CMDS | frozenset(_CONST_CMDS) | _GREEK_CMDS
)
