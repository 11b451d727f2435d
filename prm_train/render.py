"""Surface forms for synthetic solutions: numbers, expressions and step phrasings.

A `Style` is drawn once per solution (multiplication sign, LaTeX or plain, money format,
calculator annotations, ...), so one solution is internally consistent while the corpus covers
the notations real solutions use. Step phrasings come in two disjoint pools: `train` and
`heldout` (the evaluation split uses only the latter).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

MUL = ("×", "*", "\\times", "x", "\\cdot", "times")
DIV = ("/", "÷", "\\div", "frac", "divided by")
WRAP = (("", ""), ("", ""), ("$", "$"), ("\\(", "\\)"))


@dataclass(frozen=True)
class Style:
    mul: str
    div: str
    wrap: tuple[str, str]
    money: str  # "$" | "dollars" | "\\$"
    commas: bool
    calc: bool  # GSM8K-style <<a*b=c>> annotations
    frac: str  # "slash" | "latex" | "decimal"
    pct: str  # "%" | "percent" | "\\%" | "decimal"
    units: bool

    @staticmethod
    def draw(rng: random.Random) -> Style:
        return Style(
            mul=rng.choice(MUL), div=rng.choice(DIV), wrap=rng.choice(WRAP),
            money=rng.choice(("$", "$", "dollars", "\\$")), commas=rng.random() < 0.5,
            calc=rng.random() < 0.15, frac=rng.choice(("slash", "latex", "decimal")),
            pct=rng.choice(("%", "percent", "\\%", "decimal")), units=rng.random() < 0.6,
        )


def fmt_num(v: Fraction, style: Style) -> str:
    if v.denominator == 1:
        n = int(v)
        return f"{n:,}" if style.commas and abs(n) >= 1000 else str(n)
    dec = _terminating(v)
    if style.frac == "decimal" and dec is not None:
        return dec
    if style.frac == "latex":
        sign = "-" if v < 0 else ""
        return f"{sign}\\frac{{{abs(v.numerator)}}}{{{v.denominator}}}"
    return f"{v.numerator}/{v.denominator}"


def _terminating(v: Fraction) -> str | None:
    d = v.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d != 1:
        return None
    s = f"{float(v):.6f}".rstrip("0").rstrip(".")
    return s if Fraction(s) == v else None


def fmt_qty(v: Fraction, unit: str, style: Style) -> str:
    """A number with its unit ('$12', '12 dollars', '12 miles')."""
    num = fmt_num(v, style)
    if unit == "$":
        if v.denominator != 1 and v.denominator in (2, 4, 5, 10, 20, 25, 50, 100):
            num = f"{float(v):.2f}"
        if style.money == "dollars":
            return f"{num} dollars"
        sign, num = ("-", num[1:]) if num.startswith("-") else ("", num)
        return f"{sign}{style.money}{num}"
    return f"{num} {unit}" if unit and style.units else num


def fmt_expr(kind: str, vals: list[Fraction], signs: list[int], style: Style,
             shown: list[str] | None = None) -> str:
    """The expression of one op with its operand values, in the solution's notation
    (`shown` overrides how each operand is written, e.g. with a '$')."""
    nums = shown if shown is not None else [fmt_num(v, style) for v in vals]
    nums = [f"({n})" if n.startswith("-") and i else n for i, n in enumerate(nums)]
    if kind == "sum":
        out = nums[0] if signs[0] > 0 else f"-{nums[0]}"
        for n, s in zip(nums[1:], signs[1:], strict=True):
            out += f" {'+' if s > 0 else '-'} {n}"
        return out
    if kind == "mul":
        return f" {style.mul} ".join(nums)
    if kind == "div":
        if style.div == "frac":
            return f"\\frac{{{nums[0]}}}{{{nums[1]}}}"
        return f"{nums[0]} {style.div} {nums[1]}"
    if kind == "pct":  # vals = [percent, base]
        p = vals[0]
        if style.pct == "decimal":
            return f"{fmt_num(p / 100, Style(**{**style.__dict__, 'frac': 'decimal'}))}" \
                   f" {style.mul} {nums[1]}"
        sym = {"%": "%", "percent": "%", "\\%": "\\%"}[style.pct]
        return f"{nums[0]}{sym} {style.mul} {nums[1]}"
    raise ValueError(kind)


def fmt_equation(expr: str, result: str, style: Style) -> str:
    left, right = style.wrap
    return f"{left}{expr} = {result}{right}"


# Step phrasings. {desc}: what is computed; {eq}: "expr = result"; {res}: result with unit;
# {expr}: the expression alone. Some state the result without any equation.
CALC_TRAIN = (
    "{Desc} is {eq}.",
    "So {desc} is {eq}.",
    "{eq}, so {desc} is {res}.",
    "We compute {desc}: {eq}.",
    "{Desc}: {eq}",
    "To find {desc}, calculate {eq}.",
    "Then {desc} will be {eq}.",
    "Now {desc} = {eq}.",
    "{Desc} comes to {expr}, which is {res}.",
    "Next, {desc} is {res} because {eq}.",
    "Calculating {desc} gives {eq}.",
    "{Desc} is {res}.",
    "That makes {desc} {eq}.",
    "We get {desc} = {eq}.",
    "For {desc}: {eq}.",
    "{eq} is {desc}.",
    "Multiplying or adding as needed, {desc} is {eq}.",
    "So, {desc} = {res}, since {eq}.",
    "{Desc} will be {eq}.",
    "The next step is {desc}. {eq}.",
    "After that, {desc} is {expr} = {res}.",
    "Therefore {desc} is {eq}.",
    "{Desc} must be {eq}.",
    "We find that {desc} is {res}.",
    "Using the numbers above, {desc} = {eq}.",
    "In total, {desc} is {eq}.",
    "{Desc} adds up to {res}: {eq}.",
    "Let's calculate {desc}. {eq}",
    "{Desc} can be found as {eq}.",
    "This means {desc} is {res} ({eq}).",
)
CALC_HELDOUT = (
    "{Desc} works out to {eq}.",
    "Thus {desc}: {eq}.",
    "This gives {desc} as {expr} = {res}.",
    "Hence {desc} equals {res}.",
    "First we need {desc}, which is {eq}.",
)
PLAN_TRAIN = ("First, let's find {desc}.", "We need {desc}.", "Let's work out {desc}.",
              "Next we find {desc}.", "Now we figure out {desc}.", "Let us compute {desc}.",
              "The question needs {desc}.")
PLAN_HELDOUT = ("Our next goal is {desc}.", "Now consider {desc}.")
ANSWER_TRAIN = ("The answer is {ans}.", "Therefore, the final answer is $\\boxed{{{ans}}}$.",
                "#### {ans}", "So the answer is \\boxed{{{ans}}}.", "Final answer: {ans}",
                "Answer: {ans}", "\\boxed{{{ans}}}", "So the final answer is {ans}.")
ANSWER_HELDOUT = ("The result is {ans}.", "In conclusion the answer is \\boxed{{{ans}}}.")
