"""Exact arithmetic checks over step text: the PRM's input features.

No `eval`: a tokenizer plus a tiny recursive-descent evaluator over + - × ÷ ^ %, parentheses and
`\\frac{a}{b}` on `Fraction`s. For every `=` in a step, the longest arithmetic expression that
ends at the `=` is compared with the longest one that starts after it (chains `a = b = c` compare
neighbours). Sides that touch a variable or an operator outside the span are skipped: `2x + 3 = 11`
is algebra, not arithmetic, and must never be flagged.

Features per step (`step_features`):
- `eq_bad`: some numeric equality does not hold exactly (a decimal result may be rounded);
- `eq_ok`: the step has at least one checked equality and all of them hold;
- `num_new`: an operand of a checked expression appears neither in the problem, nor in an earlier
  step, nor among everyday constants (a number copied wrongly from the problem or a prior step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

# Everyday constants a correct step may use without their appearing in the text.
_CONSTANTS = frozenset(Fraction(v) for v in (0, 1, 2, 3, 4, 7, 10, 12, 24, 52, 60, 100, 365, 1000))
_WORD_NUMBERS = {
    "half": (2,), "halves": (2,), "twice": (2,), "double": (2,), "doubles": (2,),
    "triple": (3,), "thrice": (3,), "third": (3,), "thirds": (3,), "quarter": (4,),
    "quarters": (4,), "dozen": (12,), "dozens": (12,), "percent": (100,), "fifth": (5,),
    "one": (1,), "two": (2,), "three": (3,), "four": (4,), "five": (5,), "six": (6,),
    "seven": (7,), "eight": (8,), "nine": (9,), "ten": (10,), "eleven": (11,), "twelve": (12,),
    "fifteen": (15,), "twenty": (20,), "thirty": (30,), "fifty": (50,), "hundred": (100,),
}
_MAX_ABS = Fraction(10) ** 30  # values beyond this are not checked (no giant powers)

_TOKEN_RE = re.compile(
    r"\\frac|\\dfrac|\\tfrac|\\times|\\cdot|\\div|\\left|\\right|\\%|\\[a-zA-Z]+|\\[,;! ()\[\]]"
    r"|\d[\d,]*(?:\.\d+)?|\.\d+|[A-Za-z]+|<<|>>|[=+\-*/×÷·−^%(){}\[\]$]|\S"
)
_OP_WORDS = {"times": "*", "plus": "+", "minus": "-", "x": "*"}
_SKIP = {"\\left", "\\right", "$", "\\,", "\\;", "\\!", "\\ ", "\\(", "\\)", "\\[", "\\]"}


class _ParseError(Exception):
    pass


def _number(tok: str) -> Fraction | None:
    """'1,200' -> 1200, '3.5' -> 7/2; commas must group thousands (else it is a list)."""
    if not (tok[0].isdigit() or tok[0] == "."):
        return None
    if "," in tok:
        head, *groups = tok.split(".")[0].split(",")
        if not head or len(head) > 3 or any(len(g) != 3 for g in groups):
            return None
        tok = tok.replace(",", "")
    try:
        return Fraction(tok)
    except (ValueError, ZeroDivisionError):
        return None


def tokenize(text: str) -> list[str]:
    """Arithmetic tokens; words kept (they bound expressions), TeX spacing and `$` dropped."""
    toks: list[str] = []
    for raw in _TOKEN_RE.findall(text.replace("\u2212", "-")):
        if raw in _SKIP:
            continue
        if raw.endswith(",") and raw[0].isdigit():  # '12,' at the end of a clause
            toks.extend([raw.rstrip(","), ","])
            continue
        toks.append(raw)
    return toks


def _canon(tok: str, prev: str | None, nxt: str | None) -> str:
    """Map operator spellings to one symbol ('x' only between numbers/brackets)."""
    low = tok.lower()
    if tok in ("×", "\\times", "\\cdot", "·"):
        return "*"
    if tok in ("÷", "\\div"):
        return "/"
    if tok == "\\%":
        return "%"
    if low in _OP_WORDS and (low != "x" or (_is_operand_end(prev) and _is_operand_start(nxt))):
        return _OP_WORDS[low]
    return tok


def _is_operand_end(tok: str | None) -> bool:
    return tok is not None and (_number(tok) is not None or tok in (")", "%"))


def _is_operand_start(tok: str | None) -> bool:
    return tok is not None and (_number(tok) is not None or tok in ("(", "\\frac", "\\dfrac"))


class _Parser:
    """expr := term (('+'|'-') term)*; term := factor (('*'|'/'|'of') factor)*;
    factor := '-' factor | atom ('^' atom)? '%'?;
    atom := NUM | '(' expr ')' | \\frac{expr}{expr}."""

    def __init__(self, toks: list[str]) -> None:
        self.toks = toks
        self.i = 0
        self.operands: list[Fraction] = []

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise _ParseError(want or "end")
        self.i += 1
        return tok

    def expr(self) -> Fraction:
        val = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            rhs = self.term()
            val = val + rhs if op == "+" else val - rhs
            _bound(val)
        return val

    def term(self) -> Fraction:
        val = self.factor()
        while self.peek() in ("*", "/") or (self.peek() == "of" and self.i > 0):
            op = self.take()
            rhs = self.factor()
            if op == "/":
                if rhs == 0:
                    raise _ParseError("division by zero")
                val = val / rhs
            else:
                val = val * rhs
            _bound(val)
        return val

    def factor(self) -> Fraction:
        if self.peek() == "-":
            self.take()
            return -self.factor()
        val = self.atom()
        if self.peek() == "^":
            self.take()
            exp = self.atom()
            if exp.denominator != 1 or abs(exp) > 64:
                raise _ParseError("exponent")
            if val == 0 and exp < 0:
                raise _ParseError("division by zero")
            val = val ** int(exp)
            _bound(val)
        if self.peek() == "%":
            self.take()
            val = val / 100
        return val

    def atom(self) -> Fraction:
        tok = self.take()
        num = _number(tok)
        if num is not None:
            self.operands.append(num)
            return num
        if tok in ("(", "{", "["):
            close = {"(": ")", "{": "}", "[": "]"}[tok]
            val = self.expr()
            self.take(close)
            return val
        if tok in ("\\frac", "\\dfrac", "\\tfrac"):
            self.take("{")
            num_v = self.expr()
            self.take("}")
            self.take("{")
            den = self.expr()
            self.take("}")
            if den == 0:
                raise _ParseError("division by zero")
            return num_v / den
        raise _ParseError(tok)


def _bound(val: Fraction) -> None:
    if abs(val) > _MAX_ABS or val.denominator > _MAX_ABS:
        raise _ParseError("too large")


def _parse_exact(toks: list[str]) -> tuple[Fraction, list[Fraction]] | None:
    """Value and operands if `toks` is exactly one arithmetic expression, else None."""
    if not toks:
        return None
    parser = _Parser(toks)
    try:
        val = parser.expr()
    except (_ParseError, ZeroDivisionError, OverflowError):
        return None
    if parser.i != len(toks):
        return None
    return val, parser.operands


_LEFT_BAD = frozenset("+ - * / ^ of".split())  # '(3 + 4 = 7)' is fine, '2(3 + 4)' is not
_RIGHT_BAD = frozenset("+ - * / ^ ( [ { % of".split())


def _canonical_tokens(text: str) -> list[str]:
    """Tokens with operator spellings unified, unit words between operands dropped
    ('5 apples + 3 apples' -> '5 + 3') and worded equalities marked: 'equals' is '=', while
    'is', 'which is', 'gives', 'makes' become the weak '=?' (checked only after a computation)."""
    raw = tokenize(text)
    out: list[str] = []
    for i, tok in enumerate(raw):
        prev = out[-1] if out else None
        nxt = raw[i + 1] if i + 1 < len(raw) else None
        low = tok.lower()
        if low == "by" and prev == "divided":
            out[-1] = "/"
            continue
        if low == "equals":
            out.append("=")
            continue
        if low in _WEAK_EQ:
            while out and out[-1].lower() in ("which", ",", "that"):
                out.pop()
            out.append("=?")
            continue
        tok = _canon(tok, prev, nxt)
        if (
            tok.isalpha() and len(tok) > 1 and tok not in ("of",)
            and prev is not None and _number(prev) is not None
            and nxt is not None and _canon(nxt, tok, None) in ("+", "-", "*", "/", "=")
        ):
            continue  # unit word sandwiched between a number and an operator
        out.append(tok)
    return out


_WEAK_EQ = frozenset({"is", "are", "gives", "makes", "yields", "was"})
_BAD_WORDS = frozenset({"by", "per", "over", "times", "into", "than", "and", "minus", "plus",
                        "divided", "multiplied", "from", "x"})
_RIGHT_BAD_WORDS = frozenset({"x", "times"})  # '= 8 per hour' is fine, '= 2 x' is algebra


def _bad_neighbour(tok: str | None, bad: frozenset[str], words: frozenset[str]) -> bool:
    """A token that, next to an expression span, means the span is part of something larger
    (an operator, a number, a variable) and must not be checked on its own."""
    if tok is None:
        return False
    if tok in bad or _number(tok) is not None or tok.lower() in words:
        return True
    return len(tok) == 1 and tok.isalpha() and tok not in ("a", "A", "I")


def _left_side(toks: list[str], lo: int, eq: int) -> tuple[int, tuple] | None:
    for start in range(max(lo, eq - 40), eq):
        parsed = _parse_exact(toks[start:eq])
        if parsed is not None:
            before = toks[start - 1] if start > lo else None
            return (start, parsed) if not _bad_neighbour(before, _LEFT_BAD, _BAD_WORDS) else None
    return None


def _right_side(toks: list[str], eq: int, hi: int) -> tuple[int, tuple] | None:
    for end in range(min(hi, eq + 41), eq + 1, -1):
        parsed = _parse_exact(toks[eq + 1 : end])
        if parsed is not None:
            after = toks[end] if end < hi else None
            if after == "of" and end + 1 < hi and _number(toks[end + 1]) is None:
                after = None
            bad = _bad_neighbour(after, _RIGHT_BAD, _RIGHT_BAD_WORDS)
            return None if bad else (end, parsed)
    return None


def _equal(lhs: Fraction, rhs: Fraction, rhs_toks: list[str]) -> bool:
    """Exact, except that a decimal result may be rounded to its shown places, and a percent
    may be written as a percentage of 100 ('10/50 × 100 = 20%')."""
    candidates = [rhs]
    if rhs_toks and rhs_toks[-1] == "%":
        candidates.append(rhs * 100)
    places = max((len(t.split(".")[1]) for t in rhs_toks if "." in t and t[0].isdigit()),
                 default=0)
    tol = Fraction(1, 2 * 10**places) if places else Fraction(0)
    return any(abs(lhs - c) <= tol for c in candidates)


@dataclass(frozen=True)
class Equation:
    """One checked `lhs = rhs` pair inside a step."""

    lhs: Fraction
    rhs: Fraction
    holds: bool
    operands: tuple[Fraction, ...]


def equations(text: str) -> list[Equation]:
    """Every numeric equality in `text` whose two sides are plain arithmetic."""
    toks = _canonical_tokens(text)
    eqs = [i for i, t in enumerate(toks) if t in ("=", "=?")]
    found: list[Equation] = []
    for k, eq in enumerate(eqs):
        lo = eqs[k - 1] + 1 if k else 0
        hi = eqs[k + 1] if k + 1 < len(eqs) else len(toks)
        left = _left_side(toks, lo, eq)
        right = _right_side(toks, eq, hi)
        if left is None or right is None:
            continue
        (_l_start, (l_val, l_ops)), (r_end, (r_val, r_ops)) = left, right
        if toks[eq] == "=?" and (len(l_ops) < 2 or len(r_ops) != 1):
            continue  # 'is' only counts as '=' right after a computation
        operands = tuple(l_ops if len(l_ops) > 1 else ())  # the right side is the result
        holds = _equal(l_val, r_val, toks[eq + 1 : r_end])
        if not holds and len(r_ops) > 1 and r_ops[0] == l_val:
            holds = True  # running total written as a chain: '3 + 4 = 7 + 1 = 8'
        found.append(Equation(l_val, r_val, holds, operands))
    return found


def numbers_in(text: str) -> set[Fraction]:
    """All numbers in `text`, with their percent/fraction variants and spelled-out numbers."""
    vals: set[Fraction] = set()
    for tok in tokenize(text):
        num = _number(tok)
        if num is not None:
            vals.update((num, num / 100, num * 100))
            if num != 0 and num.denominator == 1 and abs(num) <= 20:
                vals.add(1 / num)
        elif tok.lower() in _WORD_NUMBERS:
            vals.update(Fraction(v) for v in _WORD_NUMBERS[tok.lower()])
    return vals


@dataclass(frozen=True)
class StepFeatures:
    eq_bad: bool
    eq_ok: bool
    num_new: bool


def step_features(problem: str, steps: list[str]) -> list[StepFeatures]:
    """Exact-check features for each step, given the problem and all earlier steps. An operand
    is 'new' if it is not known before its equation (results of earlier equations in the same
    step count as known)."""
    known = set(_CONSTANTS) | numbers_in(problem)
    out: list[StepFeatures] = []
    for step in steps:
        eqs = equations(step)
        bad = any(not e.holds for e in eqs)
        new = False
        local = set(known)
        for e in eqs:
            new = new or any(op not in local and -op not in local for op in e.operands)
            local.update((e.lhs, e.rhs))
        out.append(StepFeatures(eq_bad=bad, eq_ok=bool(eqs) and not bad, num_new=new))
        known |= numbers_in(step)
    return out
