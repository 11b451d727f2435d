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


# -- issue 15: forms real solutions use ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("11,\\! 111,\\! 111,\\! 100", "11111111100"),
        ("32,\\! 349", "32349"),
        ("14{, }916", "14916"),
        ("14 {,} 916", "14916"),
        ("1{,}000{,}000", "1000000"),
        ("0,111", "0.111"),  # decimal comma: never the thousands number 111
        ("-0,125", "-0.125"),
        ("0{,}5", "0.5"),
        ("0,5", "0,5"),  # one digit: the list 0, 5
        ("0\\,111", "0 111"),  # a thin space after 0 does not glue 0111 = 111
        ("1,000", "1000"),
        ("x_{1}=1,\\quadx_{2}=2", "x_{1}=1, x_{2}=2"),
        ("\\\\frac{1}{2}", "\\frac{1}{2}"),  # doubly escaped
    ],
)
def test_normalize_separators(raw: str, text: str) -> None:
    assert normalize(raw).text == text


def test_thousands_never_start_with_zero() -> None:
    for gold in ("0,111", "0{,}111", "0,\\!111"):
        assert not equal(parse_answer(normalize(gold).text), sp.Integer(111)), gold
    with pytest.raises(ParseError):  # `0\\,111`: two numerals, never 111
        parse_answer(normalize("0\\,111").text)


@pytest.mark.parametrize(
    ("text", "var"),
    [
        ("\\frac{\\pi}{4} + k\\pi for k \\in \\mathbb{Z}", "k"),
        ("\\frac{\\pi}{4} + k\\pi, k \\in \\mathbb{Z}", "k"),
        ("\\frac{\\pi}{4} + n\\pi (n \\in \\mathbb Z)", "n"),
        ("\\frac{\\pi}{4} + k\\pi where k is an integer", "k"),
        ("\\frac{\\pi}{4} + k\\pi for any integer k", "k"),
    ],
)
def test_trailing_quantifier(text: str, var: str) -> None:
    from verifier.nodes import Family

    parsed = parse_normalized(text)
    assert isinstance(parsed, Family) and parsed.var == sp.Symbol(var)


def test_quantifier_alone_is_not_stripped() -> None:
    from verifier.quantifiers import split_quantifier

    toks = tokenize("k \\in \\mathbb{Z}")
    assert split_quantifier(toks) == (toks, None)


def test_families() -> None:
    from verifier.families import families_equal

    k, n = sp.symbols("k n")
    pi = sp.pi
    assert families_equal(-pi / 6 + k * pi, 5 * pi / 6 + k * pi)
    assert families_equal(pi / 4 + k * pi, pi / 4 - n * pi)
    assert not families_equal(-pi / 6 + k * pi, pi / 6 + k * pi)
    assert not families_equal(pi / 2 + 2 * k * pi, pi / 2 + k * pi)
    assert families_equal(3 + 4 * k, 7 + 4 * k) is None  # no pi, undeclared: not a family
    assert families_equal(x + k * pi, x + k * pi) is None  # two free symbols


def test_ratios() -> None:
    from verifier.compare import ratio_equal
    from verifier.nodes import Ratio

    one, two, three, four = (sp.Integer(v) for v in (1, 2, 3, 4))
    assert ratio_equal(Ratio((one, two)), Ratio((two, four)))
    assert not ratio_equal(Ratio((one, two)), Ratio((two, one)))
    assert ratio_equal(Ratio((one, two)), sp.Rational(1, 2))
    assert not ratio_equal(sp.Rational(1, 2), Ratio((one, two)))  # gold number, answer ratio
    assert not ratio_equal(Ratio((three, sp.Integer(0))), Ratio((one, sp.Integer(0))))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1010_2", sp.Integer(10)),
        ("204_{5}", sp.Integer(54)),
        ("0.0011_{2}", sp.Rational(3, 16)),
        ("\\sum_{k=1}^{4} k^2", sp.Integer(30)),
        ("\\sum_{i=1}^{3} i", sp.Integer(6)),  # the index i is not sqrt(-1)
        ("\\prod_{k=1}^{4} (k+1)", sp.Integer(120)),
        ("\\sum_{k=5}^{4} k", sp.Integer(0)),  # empty range
        ("\\sum_{k=1}^{10^{9}} k", sp.Integer(500000000500000000)),
        ("\\sum_{a=1}^{1000} \\sum_{b=1}^{1000} a b", sp.Integer(500500**2)),  # closed form inside
        ("\\sum_{i=1}^{3} a_i", sp.Symbol("a_1") + sp.Symbol("a_2") + sp.Symbol("a_3")),
        ("\\int_{0}^{2} x^2 dx", sp.Rational(8, 3)),
        ("\\vec{v}", sp.Symbol("vec_v")),
    ],
)
def test_parse_issue15_values(text: str, expected: sp.Expr) -> None:
    assert parse_normalized(text) == expected


@pytest.mark.parametrize("text", ["1012_2", "19_{1}", "12_{11}"])
def test_bad_base_numerals(text: str) -> None:
    with pytest.raises(ParseError):
        parse_normalized(text)


@pytest.mark.parametrize(
    "text",
    [
        "\\sum_{k=1}^{10} 9^{9^{k}}",  # each term's size is checked when it is built
        "\\prod_{k=1}^{1000} k^{k}",
        "\\sum_{k=1}^{1000} \\sum_{j=1}^{k} j^{j}",  # node budget
        "\\sum_{k=1}^{999} (x+k)^{60}",  # too many symbolic terms
        "\\sum_{k=1}^{10^{3000}} k^{8}",  # closed form refused by its digit estimate
        "\\sum_{k=1}^{1000} \\frac{1}{k^{k}}",
    ],
)
def test_big_operators_are_bounded(text: str) -> None:
    with pytest.raises(ResourceLimitError):
        parse_normalized(text)


def test_big_operators_left_unevaluated() -> None:
    k, n = sp.symbols("k n")
    assert isinstance(parse_normalized("\\sum_{k=1}^{n} k^2"), sp.Sum)
    assert isinstance(parse_normalized("\\sum_{k=1}^{10^{9}} \\frac{1}{k}"), sp.Sum)
    assert isinstance(parse_normalized("\\prod_{k=1}^{10^{9}} k"), sp.Product)
    assert isinstance(parse_normalized("\\lim_{x \\to 0^+} \\frac{1}{x}"), sp.Limit)
    assert isinstance(parse_normalized("\\int_0^{\\pi} \\sin x dx"), sp.Integral)
    a = parse_normalized("\\sum_{k=1}^{n} k^2")
    assert expr_equal(a, parse_normalized("\\sum_{j=1}^{n} j^2"))
    assert not expr_equal(a, parse_normalized("\\sum_{j=1}^{n} j^3"))
    assert not expr_equal(a, n * (n + 1) * (2 * n + 1) / 6)  # structural only: never doit


def test_matrix_arithmetic() -> None:
    m = parse_normalized(
        "\\begin{pmatrix}1 & 2\\\\3 & 4\\end{pmatrix} \\begin{pmatrix}0 & 1\\\\1 & 0\\end{pmatrix}"
        " - \\begin{pmatrix}1 & 1\\\\1 & 1\\end{pmatrix}"
    )
    assert m == MatrixLit(((1, 0), (3, 2)))
    with pytest.raises(ParseError):
        parse_normalized(
            "\\begin{pmatrix}1 & 2\\end{pmatrix} + \\begin{pmatrix}1\\\\2\\end{pmatrix}"
        )


def test_function_answers() -> None:
    fx2 = parse_normalized("f(x) = x^2")
    assert equal(fx2, parse_normalized("f(t) = t^2"))
    assert not equal(fx2, parse_normalized("f(x) = x^3"))
    assert not equal(fx2, parse_normalized("f(t) = x^2"))
    assert equal(fx2, x**2)
    pair = parse_normalized("(f(n), g(n)) = (n, 1)")
    assert isinstance(pair, ListLit) and all(isinstance(i, Assign) for i in pair.items)
    assert equal(pair, parse_normalized("f(n) = n, g(n) = 1"))
    assert not equal(pair, parse_normalized("f(n) = 1, g(n) = n"))


def test_chains_pay_only_true_links() -> None:
    assert equal(sp.Integer(24), parse_normalized("4! = 24"))
    assert not equal(sp.Integer(4), parse_normalized("4! = 24"))
    assert not equal(sp.Integer(11), parse_normalized("x = 5+5+1 = 7 = 11"))
    assert equal(parse_normalized("x = 11"), parse_normalized("x = 5+5+1 = 11"))


def test_congruences() -> None:
    from verifier.nodes import Congruence

    assert parse_normalized("9 \\pmod{11}") == Congruence(9, 11)
    assert parse_normalized("n \\equiv 3 \\pmod 7") == Assign("n", Congruence(3, 7), sp.Symbol("n"))
    assert equal(parse_normalized("3 (\\mod 7)"), parse_normalized("10 \\pmod{7}"))
    assert not equal(parse_normalized("3 \\pmod{7}"), parse_normalized("3 \\pmod{5}"))
    assert not equal(sp.Integer(20), parse_normalized("9 \\pmod{11}"))
    with pytest.raises(ParseError):
        parse_normalized("(1, 2) \\pmod{5}")


def test_more_clauses_and_sets() -> None:
    from verifier.nodes import Family, NamedSet

    enumerated = parse_normalized("\\frac{\\pi}{4}+k\\pi, k=0,\\pm1,\\pm2,\\ldots")
    assert isinstance(enumerated, Family)
    worded = parse_normalized("\\frac{\\pi}{4}+k\\pi where k is any integer")
    assert isinstance(worded, Family)
    assert parse_normalized("f(x)=x^2 for all x") == parse_normalized("f(x)=x^2")
    assert parse_normalized("f(x)=x \\forall x \\in \\mathbb{R}") == parse_normalized("f(x)=x")
    assert parse_normalized("\\mathbb{Z}^+") == NamedSet("naturals")
    assert parse_normalized("\\mathbb{Z}_{>0}") == NamedSet("naturals")
    assert parse_normalized("\\mathbb{Z}") == NamedSet("integers")
    assert parse_normalized("1010_{(2)}") == 10
    assert normalize("1 \\colon 2").text == "1 : 2"


def test_assigned_value_hook_for_lenient_mode() -> None:
    from verifier.names import assigned_value

    assert assigned_value(parse_normalized("f(1) = 23")) == 23
    assert assigned_value(parse_normalized("AB = 4")) == 4
    assert assigned_value(parse_normalized("|PQ| = 2\\sqrt2")) == 2 * sp.sqrt(2)
    assert assigned_value(parse_normalized("x = 5")) == 5
    line = parse_normalized("y = 2x + 1")
    assert assigned_value(line) == line  # an equation with symbols on the right stays
    chain = parse_normalized("2 + 2 = 5 = 6")
    assert assigned_value(chain) == chain
