"""The grader's steps one by one: normalize, tokenize, parse, pre-check limits, compare.

Run: .venv/bin/pytest tests/verifier/test_components.py -q
"""

from __future__ import annotations

import pytest
import sympy as sp

from verifier.compare import equal, equation_equal, expr_equal
from verifier.errors import CodeLikeError, ParseError, ResourceLimitError, UndefinedError
from verifier.lexer import tokenize
from verifier.limits import check_code_like, check_text
from verifier.nodes import Assign, Bracketed, ListLit, MatrixLit, Relation, SetLit, Text
from verifier.normalize import normalize
from verifier.parse import parse_normalized
from verifier.verify import parse_answer

x, y = sp.symbols("x y")


@pytest.mark.parametrize(
    ("raw", "text", "percent", "degree"),
    [
        ("50\\%", "50", True, False),
        ("30^{\\circ}", "30", False, True),
        ("\\$1,000", "1000", False, False),
        ("1{,}000", "1000", False, False),
        ("1 000", "1000", False, False),
        ("5 \\text{ cm}^2", "5", False, False),
        ("\\left( \\dfrac{1}{2} \\right)", "( \\frac{1}{2} )", False, False),
        ("\u22123", "-3", False, False),
        ("1, 2", "1, 2", False, False),
        ("\\text{Monday}", "Monday", False, False),
        ("11 \\text{ p.m.}", "11 p.m", False, False),
    ],
)
def test_normalize(raw: str, text: str, percent: bool, degree: bool) -> None:
    n = normalize(raw)
    assert (n.text, n.percent, n.degree) == (text, percent, degree)


@pytest.mark.parametrize("bad", ["'2'", '"2"', "`2`", "2 @ 3", "a#b", "\\unknowncmd{2}"])
def test_tokenizer_rejects(bad: str) -> None:
    with pytest.raises(ParseError):
        parse_normalized(bad) if "\\" in bad else tokenize(bad)


def test_tokenizer_refuses_huge_numerals() -> None:
    with pytest.raises(ResourceLimitError):
        tokenize("9" * 1001)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2\\frac12", sp.Rational(5, 2)),
        ("2\\cdot\\frac12", sp.Integer(1)),
        ("x^2\\frac12", x**2 / 2),
        ("0.\\overline{3}", sp.Rational(1, 3)),
        ("0.1\\overline{6}", sp.Rational(1, 6)),
        ("2.50", sp.Rational(5, 2)),
        ("1.5e3", sp.Integer(1500)),
        ("\\sqrt[3]{-8}", sp.Integer(-2)),
        ("\\log_2 8", sp.Integer(3)),
        ("\\ln e", sp.Integer(1)),
        ("3^(1/2)", sp.sqrt(3)),
        ("2**3", sp.Integer(8)),
        ("\\sin^{-1} 1", sp.pi / 2),
        ("|{-3}|", sp.Integer(3)),
        ("\\binom{5}{2}", sp.Integer(10)),
        ("4!", sp.Integer(24)),
        ("i^2", sp.Integer(-1)),
    ],
)
def test_parse_values(text: str, expected: sp.Expr) -> None:
    assert parse_normalized(text) == expected


def test_parse_structures() -> None:
    assert parse_normalized("(1, 2)") == Bracketed("(", ")", (1, 2))
    assert parse_normalized("\\{1, 2\\}") == SetLit((1, 2))
    assert parse_normalized("1, 2") == ListLit((1, 2))
    assert parse_normalized("\\pm 2") == ListLit((2, -2))
    assert parse_normalized("x = 5") == Assign("x", 5, x)
    assert parse_normalized("5 = x") == Assign("x", 5, x)
    assert parse_normalized("x < 3") == Relation((x, 3), ("<",))
    assert parse_normalized("\\begin{bmatrix}1 & 2\\\\3 & 4\\end{bmatrix}") == MatrixLit(
        ((1, 2), (3, 4))
    )
    assert parse_answer("Monday") == Text("monday")


@pytest.mark.parametrize(
    "text",
    ["\\frac{1}{0}", "(-3)!", "1/0"],
)
def test_undefined_values(text: str) -> None:
    with pytest.raises(UndefinedError):
        parse_normalized(text)


@pytest.mark.parametrize(
    "text",
    [
        "9^{9^{9^9}}",
        "(10^{10^{10}})!",
        "x^{10^{10}}",
        "e^{e^{e^{e^{x}}}}",
        "\\binom{10^6}{3}",
        "10^{9000}\\cdot 10^{9000}\\cdot 10^{9000}",
    ],
)
def test_size_checks_before_evaluation(text: str) -> None:
    with pytest.raises(ResourceLimitError):
        parse_normalized(text)


def test_text_limits() -> None:
    with pytest.raises(ResourceLimitError):
        check_text("1" * 2001)
    with pytest.raises(ResourceLimitError):
        check_text("{" * 61 + "}" * 61)
    check_text("{" * 10 + "}" * 10)
    for code in ["__import__('os')", "lambda: 1", "open('f')", "().__class__", "os.system"]:
        with pytest.raises(CodeLikeError):
            check_code_like(code)
    check_code_like("\\frac{\\lambda}{2} + open interval")


def test_expr_equal_is_exact() -> None:
    assert expr_equal(sp.sqrt(12), 2 * sp.sqrt(3))
    assert not expr_equal(sp.Rational(333, 1000), sp.Rational(1, 3))
    assert not expr_equal(sp.Integer(10**30 + 1), sp.Integer(10**30))
    assert not expr_equal(sp.Integer(2) ** -99, sp.Integer(2) ** -98)
    assert expr_equal(sp.Rational(314, 100), sp.pi, rel_tol=1e-3)
    assert not expr_equal(sp.Rational(314, 100), sp.pi)


def test_equation_equal_up_to_constant_factor() -> None:
    assert equation_equal(y - 2 * x - 1, 2 * x + 1 - y)
    assert equation_equal(x + y - 3, 2 * x + 2 * y - 6)
    assert not equation_equal(x - 5, y - 5)
    assert not equation_equal(x**2 - 4, x - 2)


def test_equal_shapes() -> None:
    pair = Bracketed("(", ")", (sp.Integer(1), sp.Integer(2)))
    assert equal(pair, ListLit((sp.Integer(1), sp.Integer(2))))
    assert not equal(pair, ListLit((sp.Integer(2), sp.Integer(1))))
    assert not equal(pair, SetLit((sp.Integer(1), sp.Integer(2))))
    assert equal(SetLit((sp.Integer(1), sp.Integer(2))), ListLit((sp.Integer(2), sp.Integer(1))))
