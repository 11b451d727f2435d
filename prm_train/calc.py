"""Numbers and GSM8K calculator annotations (`<<48/2=24>>`) on exact `Fraction`s.

A tiny recursive-descent evaluator over + - * / and parentheses (never `eval`): the error
injector recomputes a later step's annotation after an earlier value changed.
"""

from __future__ import annotations

import re
from fractions import Fraction

ANNOTATION_RE = re.compile(r"<<([^<>=]*)=([^<>]*)>>")
# a number as written in text: '1,200', '3.5', '.5' (a comma must group thousands)
NUMBER_RE = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.,])\d+(?:\.\d+)?(?![\d])")
_EXPR_TOKEN_RE = re.compile(r"\d+(?:\.\d+)?|\.\d+|[-+*/()]|\S")


def parse_number(text: str) -> Fraction:
    return Fraction(text.replace(",", ""))


def format_number(v: Fraction) -> str | None:
    """'24', '2.5', '-3'; None for values a calculator would print with many decimals (1/3)."""
    if v.denominator == 1:
        return str(v.numerator)
    for places in range(1, 5):
        scaled = v * 10**places
        if scaled.denominator == 1:
            return f"{float(v):.{places}f}"
    return None


def evaluate(expr: str) -> Fraction | None:
    """The value of an arithmetic expression of + - * / ( ), or None if it is not one."""
    toks = _EXPR_TOKEN_RE.findall(expr)
    pos = 0

    def peek() -> str | None:
        return toks[pos] if pos < len(toks) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def atom() -> Fraction:
        tok = take() if peek() is not None else ""
        if tok == "-":
            return -atom()
        if tok == "(":
            val = add()
            if peek() != ")":
                raise ValueError("unclosed")
            take()
            return val
        return Fraction(tok)  # ValueError on anything else

    def mul() -> Fraction:
        val = atom()
        while peek() in ("*", "/"):
            op, rhs = take(), atom()
            val = val * rhs if op == "*" else val / rhs
        return val

    def add() -> Fraction:
        val = mul()
        while peek() in ("+", "-"):
            op, rhs = take(), mul()
            val = val + rhs if op == "+" else val - rhs
        return val

    try:
        val = add()
    except (ValueError, ZeroDivisionError, IndexError):
        return None
    return val if pos == len(toks) else None


def strip_annotations(line: str) -> str:
    """The line as a reader sees it: calculator annotations removed."""
    return ANNOTATION_RE.sub("", line)


# a computation written without an annotation: '120-30 = 90', '$43 - $18 = $25' ('x' between
# numbers is times)
_VISIBLE_CALC_RE = re.compile(
    r"(?<![\w.<=>$])(\$?\d+(?:\.\d+)?(?:\s*[-+*/x]\s*\$?\d+(?:\.\d+)?)+)\s*=\s*\$?"
    r"(\d+(?:\.\d+)?)(?![\d.]\d|<)")


def annotate_visible(line: str) -> str:
    """`line` with an annotation added before every unannotated, correct computation, so an
    error upstream can recompute it like the calculator's own (GSM8K writes many without)."""
    def repl(m: re.Match[str]) -> str:
        expr = re.sub(r"[\s$]+", "", m.group(1)).replace("x", "*")
        if evaluate(expr) != Fraction(m.group(2)):
            return m.group()
        head = m.group()[: m.start(2) - m.start()]
        return f"{head}<<{expr}={m.group(2)}>>{m.group(2)}"
    return _VISIBLE_CALC_RE.sub(repl, line)
