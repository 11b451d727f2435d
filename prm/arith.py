"""Exact arithmetic checks over step text: the PRM's input features.

No `eval`: a tokenizer plus a tiny recursive-descent evaluator over + - × ÷ ^ %, parentheses and
`\\frac{a}{b}` on `Fraction`s. For every `=` in a step, the longest arithmetic expression that
ends at the `=` is compared with the longest one that starts after it (chains `a = b = c` compare
neighbours). Sides that touch a variable or an operator outside the span are skipped: `2x + 3 = 11`
is algebra, not arithmetic, and must never be flagged.

Features per step (`step_features`, names in `FEATURES`): a failed equality, all equalities
holding, an operand that comes from nowhere, a stated result no single operation explains, and
whether the step's computation went up or down. They become marker tokens in the bundled model's
input (`prm/formats.py`): the model stays learned, the exact checks are tools it reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

# Everyday constants a correct step may use without their appearing in the text.
_CONSTANTS = frozenset(Fraction(v) for v in (0, 1, 2, 3, 4, 7, 10, 12, 24, 52, 60, 100, 365, 1000))
_WORD_NUMBERS: dict[str, tuple[float, ...]] = {
    "half": (2,), "halves": (2,), "twice": (2,), "double": (2,), "doubles": (2,),
    "triple": (3,), "thrice": (3,), "third": (3,), "thirds": (3,), "quarter": (4, 25, 0.25),
    "quarters": (4, 25, 0.25), "dozen": (12,), "dozens": (12,), "percent": (100,), "fifth": (5,),
    "fifths": (5,), "sixth": (6,), "eighth": (8,), "tenth": (10,), "pair": (2,), "pairs": (2,),
    "weekday": (5,), "weekdays": (5,), "weekend": (2,), "dime": (10, 0.1), "dimes": (10, 0.1),
    "nickel": (5, 0.05), "nickels": (5, 0.05), "cents": (100,), "decade": (10,),
    "one": (1,), "two": (2,), "three": (3,), "four": (4,), "five": (5,), "six": (6,),
    "seven": (7,), "eight": (8,), "nine": (9,), "ten": (10,), "eleven": (11,), "twelve": (12,),
    "fifteen": (15,), "twenty": (20,), "thirty": (30,), "fifty": (50,), "hundred": (100,),
}
# the same, exact (0.1 is 1/10), converted once rather than per token
_WORD_VALUES = {w: tuple(Fraction(str(v)) for v in vals) for w, vals in _WORD_NUMBERS.items()}
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
        self.partials: list[Fraction] = []  # values of sub-computations ('8 x 45' in a sum)

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
            self.partials.append(val)
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
            self.partials.append(val)
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
            first = len(self.operands)
            self.take("{")
            num_v = self.expr()
            self.take("}")
            self.take("{")
            den = self.expr()
            self.take("}")
            if den == 0:
                raise _ParseError("division by zero")
            if len(self.operands) == first + 2:  # \frac{7}{12} is one number, not 7 and 12
                del self.operands[first:]
                self.operands.append(num_v / den)
            return num_v / den
        raise _ParseError(tok)


def _bound(val: Fraction) -> None:
    if abs(val) > _MAX_ABS or val.denominator > _MAX_ABS:
        raise _ParseError("too large")


def _parse_exact(toks: list[str]) -> tuple[Fraction, list[Fraction], list[Fraction]] | None:
    """Value, operands and sub-computation values if `toks` is exactly one arithmetic
    expression, else None."""
    if not toks:
        return None
    parser = _Parser(toks)
    try:
        val = parser.expr()
    except (_ParseError, ZeroDivisionError, OverflowError):
        return None
    if parser.i != len(toks):
        return None
    return val, parser.operands, parser.partials


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
    partials: tuple[Fraction, ...] = ()  # sub-computation values, known once written


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
        (_l_start, (l_val, l_ops, l_parts)), (r_end, (r_val, r_ops, r_parts)) = left, right
        if toks[eq] == "=?" and (len(l_ops) < 2 or len(r_ops) != 1):
            continue  # 'is' only counts as '=' right after a computation
        operands = tuple(l_ops if len(l_ops) > 1 else ())  # the right side is the result
        holds = _equal(l_val, r_val, toks[eq + 1 : r_end])
        if not holds and len(r_ops) > 1 and r_ops[0] == l_val:
            holds = True  # running total written as a chain: '3 + 4 = 7 + 1 = 8'
        found.append(Equation(l_val, r_val, holds, operands, tuple(l_parts + r_parts)))
    return found


def numbers_in(text: str) -> set[Fraction]:
    """All numbers in `text` with the forms a step may use them in: as a percent (x/100, and
    1 +- x/100 for "20% off" / "20% more"), as a fraction (1/x) or x100; spelled-out numbers."""
    vals: set[Fraction] = set()
    for tok in tokenize(text):
        num = _number(tok)
        words = _WORD_VALUES.get(tok.lower(), ()) if num is None else ()
        if words:
            vals.update(words)
            num = words[0]
        if num is None:
            continue
        vals.update((num, num / 100, num * 100))
        if 0 < num <= 100:
            vals.update((1 - num / 100, 1 + num / 100))
        if num != 0 and num.denominator == 1 and abs(num) <= 20:
            vals.update((1 / num, 1 - 1 / num))
    return vals


# Feature names, in the order of their marker tokens and of the combiner's weights. A checkpoint
# lists the ones it was trained with in `prm_format.json` ("features"); older checkpoints have
# the first three.
FEATURES = ("eq_bad", "eq_ok", "num_new", "unexplained", "result_up", "result_down")
LEGACY_FEATURES = FEATURES[:3]


def marker(feature: str) -> str:
    """The marker token of a feature in the model input: `<eq_bad>`, `<result_up>`, ..."""
    return f"<{feature}>"


# the stricter variant (issue 17; defined with `plain_arithmetic` below), outside FEATURES so the
# bundled model's markers, vocabulary and inputs are unchanged
STRICT_FEATURES = ("eq_bad_strict",)
# every feature a checkpoint may name in prm_format.json: the original six and the strict one
ALL_FEATURES = (*FEATURES, *STRICT_FEATURES)
MARKERS = tuple(marker(f) for f in ALL_FEATURES)
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
# The one-operation closure is quadratic in the numbers written so far: past this many (no real
# solution gets near it; a hostile one can), `unexplained` is not computed.
_MAX_CLOSURE_BASE = 80


@dataclass(frozen=True)
class StepFeatures:
    eq_bad: bool
    eq_ok: bool
    num_new: bool
    unexplained: bool = False
    result_up: bool = False
    result_down: bool = False
    eq_bad_strict: bool = False  # eq_bad on a step written in plain arithmetic (see below)

    def flags(self, names: tuple[str, ...] = FEATURES) -> tuple[bool, ...]:
        return tuple(getattr(self, n) for n in names)


def _raw_numbers(text: str) -> set[Fraction]:
    """The numbers as written (a percent also as its fraction), and spelled-out numbers."""
    toks = tokenize(text)
    vals: set[Fraction] = set()
    for i, tok in enumerate(toks):
        num = _number(tok)
        if num is not None:
            vals.add(num)
            if i + 1 < len(toks) and toks[i + 1] in ("%", "\\%"):
                vals.add(num / 100)
        else:
            vals.update(_WORD_VALUES.get(tok.lower(), ()))
    return vals


def _one_op_closure(base: set[Fraction]) -> set[Fraction]:
    """Every value one of + - x / makes from two numbers of `base` (and `base` itself)."""
    nums = [v for v in base if abs(v) < _MAX_ABS]
    out = set(nums)
    for i, a in enumerate(nums):
        for b in nums[i:]:
            out.update((a + b, a - b, b - a, a * b))
            if b:
                out.add(a / b)
            if a:
                out.add(b / a)
    return out


@dataclass
class _Context:
    """What a step may use: numbers known so far (with variants), and numbers as written."""

    known: set[Fraction]
    written: set[Fraction]

    def knows(self, v: Fraction) -> bool:
        return v in self.known or -v in self.known

    def learn(self, text: str) -> None:
        self.known |= numbers_in(text)
        self.written |= _raw_numbers(text)


def _direction(eq: Equation) -> tuple[bool, bool]:
    """(up, down): the result against the largest operand of its computation."""
    if len(eq.operands) < 2:
        return False, False
    top = max(abs(v) for v in eq.operands)
    return abs(eq.rhs) > top, abs(eq.rhs) < top


def _sentence_features(sent: str, ctx: _Context) -> tuple[bool, bool, bool, Equation | None]:
    """(eq_bad, num_new, unexplained, last checked equation) of one sentence; `ctx` learns it."""
    eqs = equations(sent)
    bad = any(not e.holds for e in eqs)
    new = unexplained = False
    for e in eqs:
        new = new or any(not ctx.knows(op) for op in e.operands)
        ctx.known.update((e.lhs, e.rhs, *e.partials))
    if not eqs:  # a result stated without its computation: can one operation explain it?
        stated = [v for v in _raw_numbers(sent) if not ctx.knows(v)]
        if stated and len(ctx.written) <= _MAX_CLOSURE_BASE:
            closure = _one_op_closure(ctx.written)
            unexplained = any(v not in closure and -v not in closure for v in stated)
    ctx.learn(sent)
    return bad, new, unexplained, (eqs[-1] if eqs else None)


def step_features(problem: str, steps: list[str]) -> list[StepFeatures]:
    """Exact-check features for each step, given the problem and all earlier steps, sentence by
    sentence (a number stated earlier in the same step counts as known):
    - `eq_bad` / `eq_ok`: a numeric equality fails / all (at least one) hold;
    - `num_new`: an operand of a checked computation is known neither from the problem, nor from
      anything before it, nor as an everyday constant;
    - `unexplained`: a number stated without a computation is not known and no single + - x /
      of two numbers written so far gives it;
    - `result_up` / `result_down`: the step's last computation ends above / below its largest
      operand (lets the model match the operation to words like "left", "each", "in total")."""
    ctx = _Context(set(_CONSTANTS) | numbers_in(problem), _raw_numbers(problem))
    out: list[StepFeatures] = []
    for step in steps:
        bad = new = unexplained = False
        checked = 0
        last: Equation | None = None
        for sent in _SENTENCE_END.split(step):
            s_bad, s_new, s_unexp, s_last = _sentence_features(sent, ctx)
            bad, new, unexplained = bad or s_bad, new or s_new, unexplained or s_unexp
            if s_last is not None:
                checked, last = checked + 1, s_last
        up, down = _direction(last) if last is not None else (False, False)
        out.append(StepFeatures(eq_bad=bad, eq_ok=checked > 0 and not bad, num_new=new,
                                unexplained=unexplained, result_up=up, result_down=down,
                                eq_bad_strict=bad and plain_arithmetic(step)))
    return out


# --- Stricter variant (issue 17), for models trained after the bundled one. Not in FEATURES, so
# the bundled model's markers, vocabulary and inputs are unchanged. Measured on ProcessBench's
# correct steps (docs/prm-training-data.md), `eq_bad` fires on 6-7% of correct competition-math
# steps: subscripts (`r_3 = 10`), `\sqrt{7056} = 84`, implicit products `(10)(2)`, `x^3 = 8`,
# remainders. `eq_bad_strict` (STRICT_FEATURES, above) keeps `eq_bad` only on steps written in
# plain arithmetic.
# LaTeX commands that arithmetic is written with; any other command makes a step non-plain
_PLAIN_COMMANDS = frozenset((
    "frac", "dfrac", "tfrac", "times", "cdot", "div", "left", "right", "quad", "qquad", "boxed",
    "approx", "text", "mathrm", "textbf", "implies", "Rightarrow", "neq", "ne"))
# constructs whose `=` the evaluator would misread: subscripts, implicit products `(a)(b)` and
# `f(x)`, a digit next to a letter (`26c`), powers of letters, |x|, clock times, factorials,
# remainders and moduli, fractions with letters, negative exponents, ellipses, `\text{words} =`
_NOT_PLAIN = re.compile(
    r"_|\)\s*\(|\d\s*!|[a-zA-Z]\s*\(|\d[a-zA-Z]|[a-zA-Z]\^|\||\d:\d|\bremainder|\bmod"
    r"|\\frac\{[^{}]*[a-zA-Z][^{}]*\}|\^\{?-|\.\.\.|\\text\{[^}]*[a-zA-Z]{2}[^}]*\}\s*=")


def plain_arithmetic(step: str) -> bool:
    """True if every equality in `step` can only be read as arithmetic."""
    if _NOT_PLAIN.search(step):
        return False
    return all(cmd in _PLAIN_COMMANDS for cmd in re.findall(r"\\([a-zA-Z]+)", step))


def strict_features(problem: str, steps: list[str]) -> list[tuple[bool, ...]]:
    """Per step, the STRICT_FEATURES flags (same order)."""
    return [f.flags(STRICT_FEATURES) for f in step_features(problem, steps)]
