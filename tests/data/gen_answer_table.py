"""Generate tests/data/answer_table.jsonl: (gold, response, expected) rows for the grading policy
(docs/grading-policy.md).

Run: .venv/bin/python tests/data/gen_answer_table.py   (rewrites answer_table.jsonl)

Each row: {"gold", "response", "expected", "rule", "kind", "note"}; kind is "positive",
"negative" (a look-alike that must NOT be paid) or "hostile" (expected always false).
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).with_name("answer_table.jsonl")


def box(x: str) -> str:
    return f"Let me work through it.\n\nSo the result is $\\boxed{{{x}}}$."


ROWS: list[dict[str, object]] = []


def add(rule: str, gold: str, response: str, expected: bool, note: str = "") -> None:
    kind = "positive" if expected else "negative"
    ROWS.append(
        {
            "gold": gold,
            "response": response,
            "expected": expected,
            "rule": rule,
            "kind": kind,
            "note": note,
        }
    )


def pos(rule: str, gold: str, answer: str, note: str = "") -> None:
    add(rule, gold, box(answer), True, note)


def neg(rule: str, gold: str, answer: str, note: str = "") -> None:
    add(rule, gold, box(answer), False, note)


def hostile(rule: str, gold: str, response: str, note: str) -> None:
    ROWS.append(
        {
            "gold": gold,
            "response": response,
            "expected": False,
            "rule": rule,
            "kind": "hostile",
            "note": note,
        }
    )


def extraction_rows() -> None:
    r = "1"
    add(r, "5", "<think>try 4</think>The answer is $\\boxed{5}$.", True, "after </think>")
    add(r, "5", "<think>\\boxed{5}</think>so \\boxed{4}", False, "box inside think ignored")
    add(r, "4", "<think>\\boxed{5}</think>so \\boxed{4}", True, "box after think")
    add(r, "5", "<think>hmm, the answer is \\boxed{5}", False, "unfinished think")
    add(r, "5", "<think>a</think>b</think>\\boxed{5}", True, "last </think>")
    add(r, "5", "<think>a</think>\\boxed{5}</think>\\boxed{6}", False, "last </think> wins")
    add(r, "12", "<think>\nwork\n</think>\n\nAnswer: 12", True, "statement after think")
    add(r, "12", "<think>Answer: 12", False, "statement inside unfinished think")
    add(r, "5", "<think>a</think>\\boxed{5} <think>wait, maybe", False, "second think never closed")
    add(r, "5", "<think>a</think><think>b</think>\\boxed{5}", True, "two closed think blocks")
    r = "2"
    add(r, "3", "\\boxed{2} wait, no: \\boxed{3}", True, "last box counts")
    add(r, "2", "\\boxed{2} wait, no: \\boxed{3}", False, "earlier box ignored")
    add(r, "2, 3", "\\boxed{2} and \\boxed{3}", False, "boxes never merged")
    add(r, "7", "\\boxed{\\boxed{7}}", True, "nested box unwrapped")
    add(r, "7", "\\fbox{7}", True, "fbox")
    add(r, "7", "so $\\boxed 7$", True, "boxed without braces")
    add(r, "\\frac{1}{2}", "hence $\\boxed{\\frac{1}{2}}$.", True, "braces inside box")
    add(r, "8", "\\boxed{8}. Double-check: 2*4 = 8, the answer is 9", True, "box beats statement")
    add(r, "9", "\\boxed{8}. Double-check: 2*4 = 8, the answer is 9", False, "box beats statement")
    r = "3"
    add(r, "5", "\\boxed{5} and finally \\boxed{5", False, "unclosed last box")
    add(r, "5", "so the answer is \\boxed{\\frac{5}{1}", False, "truncated box")
    add(r, "6", "\\boxed{6} then \\boxed{", False, "empty unclosed box")
    add(r, "4", "\\boxed{4}\\boxed{\\sqrt{16}", False, "unclosed last box")
    r = "4"
    add(r, "42", "Adding them, the answer is 42.", True, "answer is")
    add(r, "42", "The final answer is 42", True, "final answer is")
    add(r, "42", "Computation.\nAnswer: 42\n", True, "Answer:")
    add(r, "42", "So we get 42 apples.", False, "no last-number fallback")
    add(r, "42", "The total is 42", False, "no last-number fallback")
    add(r, "3.5", "The answer is 3.5. I am sure.", True, "decimal point is not end of sentence")
    add(r, "\\frac{1}{2}", "The answer is $\\frac{1}{2}$.", True, "math in statement")
    add(r, "7", "the answer is 7. Hmm, actually the answer is 8.", False, "last statement counts")
    add(r, "8", "the answer is 7. Hmm, actually the answer is 8.", True, "last statement counts")
    add(r, "7", "", False, "empty response")
    add(r, "7", "I don't know.", False, "no answer")
    r = "5"
    add(r, "$5$", box("5"), True, "gold $..$")
    add(r, "\\(5\\)", box("5"), True, "gold \\(..\\)")
    add(r, "\\[\\frac{3}{4}\\]", box("0.75"), True, "gold \\[..\\]")
    add(r, "\\boxed{12}", box("12"), True, "gold boxed")
    add(r, "  $\\boxed{x+1}$  ", box("1+x"), True, "gold nested wrappers")
    add(r, "\\boxed{12}", box("13"), False, "gold boxed, wrong answer")


def value_rows() -> None:
    r = "6"
    for g, a in [
        ("\\frac{6}{8}", "\\frac34"),
        ("\\frac34", "\\frac{6}{8}"),
        ("\\frac{3}{4}", "3/4"),
        ("x^2+2x+1", "(x+1)^2"),
        ("(x+1)(x-1)", "x^2-1"),
        ("\\sqrt{12}", "2\\sqrt3"),
        ("\\sin\\frac{\\pi}{3}", "\\frac{\\sqrt3}{2}"),
        ("\\binom{10}{3}", "120"),
        ("10!", "3628800"),
        ("2^{10}", "1024"),
        ("\\log_2 8", "3"),
        ("\\frac{\\sqrt2}{2}", "\\frac{1}{\\sqrt2}"),
        ("\\cos 0", "1"),
        ("\\tan\\frac{\\pi}{4}", "1"),
        ("2\\pi", "\\pi \\cdot 2"),
        ("\\frac{\\pi}{6}", "\\frac{1}{6}\\pi"),
        ("\\sqrt{8}", "2\\sqrt{2}"),
        ("3\\sqrt{2}", "\\sqrt{18}"),
        ("\\frac{1}{\\sqrt{3}}", "\\frac{\\sqrt{3}}{3}"),
        ("\\sqrt{2}+\\sqrt{3}", "\\sqrt{5+2\\sqrt{6}}"),
        ("x^2-5x+6", "(x-2)(x-3)"),
        ("\\frac{x^2-1}{x-1}", "x+1"),
        ("2x+2", "2(x+1)"),
        ("\\log_3 81", "4"),
        ("\\ln e^2", "2"),
        ("e^{\\ln 5}", "5"),
        ("\\binom{5}{2}", "10"),
        ("5!", "120"),
        ("\\sqrt[3]{27}", "3"),
        ("\\sqrt[3]{16}", "2\\sqrt[3]{2}"),
        ("4^{1/2}", "2"),
        ("\\frac{10}{4}", "2.5"),
        ("-\\frac{1}{2}", "\\frac{-1}{2}"),
        ("\\frac{-3}{4}", "-0.75"),
        ("\\pi r^2", "r^2\\pi"),
        ("\\frac{a+b}{2}", "\\frac{b+a}{2}"),
        ("a^2b", "ba^2"),
        ("\\sin^2 x+\\cos^2 x", "1"),
        ("\\frac{2}{3}\\pi", "\\frac{2\\pi}{3}"),
        ("1+\\sqrt{2}", "\\sqrt2+1"),
        ("\\sqrt{\\frac{1}{4}}", "\\frac12"),
        ("\\log_{10} 1000", "3"),
        ("\\sec 0", "1"),
        ("\\arctan 1", "\\frac{\\pi}{4}"),
        ("2^{-3}", "\\frac{1}{8}"),
        ("\\frac{1}{2}\\cdot\\frac{2}{3}", "\\frac13"),
        ("6\\div 4", "\\frac{3}{2}"),
        ("3 \\times 4", "12"),
        ("7", "7"),
        ("\\dfrac{5}{2}", "\\frac{5}{2}"),
        ("\\frac{\\sqrt{6}}{4}", "\\frac{\\sqrt{3}}{2\\sqrt{2}}"),
    ]:
        pos(r, g, a)
    for g, a in [
        ("\\frac{3}{4}", "\\frac{4}{3}"),
        ("x^2+2x+1", "(x-1)^2"),
        ("\\sqrt{12}", "3\\sqrt2"),
        ("\\sin\\frac{\\pi}{3}", "\\frac{1}{2}"),
        ("\\binom{10}{3}", "720"),
        ("10!", "3628801"),
        ("2^{10}", "1000"),
        ("\\log_2 8", "4"),
        ("x^2-1", "x^2+1"),
        ("\\sqrt{2}+\\sqrt{3}", "\\sqrt{5}"),
        ("2\\sqrt{3}", "3\\sqrt{2}"),
        ("\\frac{\\pi}{3}", "\\frac{\\pi}{6}"),
        ("\\pi", "2\\pi"),
        ("x+1", "x-1"),
        ("2x", "x^2"),
        ("\\sqrt[3]{2}", "\\sqrt{2}"),
        ("\\sqrt{2}", "\\sqrt[3]{2}"),
        ("\\sqrt[4]{16}", "4"),
        ("\\log_2 8", "\\log_8 2"),
        ("\\ln 2", "l n 2"),
        ("\\ln 2", "2"),
        ("e", "2.718"),
        ("\\binom{6}{2}", "\\binom{6}{3}"),
        ("5!", "60"),
        ("a-b", "b-a"),
        ("\\frac{a}{b}", "\\frac{b}{a}"),
        ("2^{10}", "10^2"),
        ("\\frac{1}{2}", "2"),
        ("-5", "5"),
        ("\\sin x", "\\cos x"),
        ("\\tan\\frac{\\pi}{4}", "0"),
        ("x^3", "3x"),
        ("\\frac{x}{2}", "2x"),
        ("3", "\\sqrt{3}"),
        ("\\pi^2", "2\\pi"),
        ("4\\pi", "4"),
        ("12\\pi", "12"),
        ("\\frac{1}{3}", "3^{-2}"),
        ("e^2", "2e"),
        ("\\sqrt{2}", "2"),
    ]:
        neg(r, g, a)


def exactness_rows() -> None:
    r = "7"
    for g, a in [
        ("\\frac18", "0.125"),
        ("\\frac13", "0.\\overline{3}"),
        ("\\frac{1}{6}", "0.1\\overline{6}"),
        ("\\frac{2}{11}", "0.\\overline{18}"),
        ("2.5", "2.50"),
        ("2.50", "\\frac{5}{2}"),
        ("0.5", ".5"),
        ("1", "1.0"),
        ("1", "0.\\overline{9}"),
        ("3", "3.000"),
        ("-0.25", "-\\frac{1}{4}"),
        ("123456789012345678901234567890", "123456789012345678901234567890"),
        ("\\frac{1}{2^{99}}", "2^{-99}"),
        ("10^{30}", "1000000000000000000000000000000"),
        ("1.5\\times 10^{3}", "1500"),
        ("2\\times10^{-3}", "0.002"),
        ("\\frac{7}{20}", "0.35"),
        ("0.0625", "\\frac{1}{16}"),
        ("1.25", "\\frac{5}{4}"),
        ("100", "100.0"),
    ]:
        pos(r, g, a)
    for g, a in [
        ("\\pi", "3.14"),
        ("\\pi", "3.14159265358979"),
        ("\\frac13", "0.333"),
        ("\\frac13", "0.3333333333"),
        ("\\sqrt2", "1.414"),
        ("\\sqrt{2}", "1.41421356237"),
        ("1", "0.9999"),
        ("100", "100.0001"),
        ("\\frac{1}{2^{99}}", "\\frac{1}{2^{98}}"),
        ("\\frac17", "0.142857"),
        ("\\frac{2}{3}", "0.67"),
        ("123456789012345678901234567890", "123456789012345678901234567891"),
        ("123456789012345678901234567890", "1.2345678901234568e29"),
        ("99999999999999999999", "100000000000000000000"),
        ("e", "2.71828"),
        ("\\frac{1}{7}", "0.14"),
        ("0.1", "0.10000001"),
        ("2^{64}", "18446744073709551615"),
        ("\\sqrt{3}", "1.732"),
        ("\\frac{22}{7}", "\\pi"),
        ("0.125", "0.12"),
        ("1.5", "1.55"),
        ("0.3", "0.\\overline{3}"),
        ("\\frac{1}{3}", "0.3\\overline{4}"),
        ("1000", "999.9999999"),
        ("1", "0.\\overline{8}"),
        ("\\frac{1}{10^{20}}", "0"),
        ("10^{-30}", "10^{-29}"),
        ("2.5", "25"),
    ]:
        neg(r, g, a)
    add(r, "\\pi", box("3.14"), False, "rounded pi")


def label_rows() -> None:
    r = "8"
    for g, a in [
        ("50", "50\\%"),
        ("50\\%", "50"),
        ("50", "50 \\text{ percent}"),
        ("12.5\\%", "12.5"),
        ("25\\%", "25\\%"),
        ("50\\%", "50 percent"),
        ("\\frac{1}{2}\\%", "0.5\\%"),
        ("40", "40 \\%"),
    ]:
        pos(r, g, a)
    for g, a in [
        ("50\\%", "0.5"),
        ("0.5", "50\\%"),
        ("12", "1200"),
        ("12\\%", "0.12"),
        ("25", "0.25"),
        ("25\\%", "\\frac14"),
        ("50\\%", "5\\%"),
        ("7\\%", "70\\%"),
    ]:
        neg(r, g, a)
    r = "9"
    for g, a in [
        ("30", "30^\\circ"),
        ("30^\\circ", "30"),
        ("45", "45^{\\circ}"),
        ("60", "60\u00b0"),
        ("90", "90 \\text{ degrees}"),
        ("120^\\circ", "120 degrees"),
        ("15", "15\\degree"),
    ]:
        pos(r, g, a)
    for g, a in [
        ("30", "\\frac{\\pi}{6}"),
        ("\\frac{\\pi}{6}", "30^\\circ"),
        ("30^\\circ", "60^\\circ"),
        ("180", "\\pi"),
        ("45", "\\frac{\\pi}{4}"),
    ]:
        neg(r, g, a)
    r = "10"
    for g, a in [
        ("5", "5 \\text{ cm}"),
        ("12", "12 \\mbox{ meters}"),
        ("3", "3\\mathrm{~km}"),
        ("20", "20 sq ft"),
        ("6", "6 \\text{ eggs}"),
        ("15", "15 dollars"),
        ("15", "\\$15"),
        ("\\$15", "15"),
        ("4.50", "\\$4.50"),
        ("9", "9 \\text{ cm}^2"),
        ("100", "100 \\text{ m}"),
        ("7", "7\\text{ apples}"),
        ("2\\pi", "2\\pi \\text{ radians}"),
        ("18", "18 \\text{ units}"),
        ("36", "36 \\text{ square units}"),
        ("1000", "\\$1,000"),
    ]:
        pos(r, g, a)
    for g, a in [
        ("5", "50 \\text{ mm}"),
        ("1", "100 \\text{ cm}"),
        ("15", "\\$16"),
        ("2", "2000 \\text{ m}"),
        ("60", "1 \\text{ hour}"),
        ("4.5", "\\$4.05"),
    ]:
        neg(r, g, a)


def formatting_rows() -> None:
    r = "11"
    for g, a in [
        ("1000", "1,000"),
        ("1000", "1{,}000"),
        ("1000", "1\\,000"),
        ("1000", "1,\\!000"),
        ("1000", "1 000"),
        ("1234567", "1,234,567"),
        ("1,000", "1000"),
        ("23", "023"),
        ("7", "007"),
        ("5", "5."),
        ("\\frac{1}{2}", "\\left(\\frac{1}{2}\\right)"),
        ("\\frac12", "\\displaystyle\\frac{1}{2}"),
        ("12", "\\mathrm{12}"),
        ("12", "\\mathbf{12}"),
        ("12", "\\textbf{12}"),
        ("\\frac34", "\\tfrac{3}{4}"),
        ("\\frac34", "\\dfrac{3}{4}"),
        ("5", "{5}"),
        ("5", "{{5}}"),
        ("-3", "\u22123"),
        ("-3", "\u2212 3"),
        ("2\\pi", "2\u03c0"),
        ("\\sqrt{2}", "\u221a2"),
        ("\\infty", "\u221e"),
        ("12", "1\\!2"),
        ("x+1", "x\\,+\\,1"),
        ("(1,2)", "\\left( 1, 2 \\right)"),
        ("1234.5", "1,234.5"),
        ("10000", "10,000"),
        ("-1000", "-1,000"),
    ]:
        pos(r, g, a)
    for g, a in [
        ("1000", "1,001"),
        ("1000", "100"),
        ("1000", "10,00"),
        ("23", "0.23"),
        ("1,000", "1"),
        ("5", "5.1"),
        ("-3", "3"),
        ("2\\pi", "2"),
        ("12", "21"),
        ("10000", "1,000"),
    ]:
        neg(r, g, a)
    r = "12"
    for g, a in [
        ("\\frac52", "2\\frac12"),
        ("2\\frac{1}{2}", "2.5"),
        ("3\\frac{1}{4}", "\\frac{13}{4}"),
        ("-\\frac{5}{2}", "-2\\frac12"),
        ("1\\frac{2}{3}", "\\frac53"),
        ("2\\frac{1}{2}", "2 \\frac{1}{2}"),
    ]:
        pos(r, g, a)
    for g, a in [
        ("1", "2\\frac12"),
        ("\\frac{5}{2}", "2\\cdot\\frac12"),
        ("2\\frac12", "1"),
        ("3\\frac{1}{4}", "\\frac34"),
        ("\\frac{7}{3}", "2\\frac{1}{4}"),
    ]:
        neg(r, g, a)


def equation_rows() -> None:
    r = "13"
    for g, a in [
        ("5", "x=5"),
        ("x=5", "5"),
        ("x=5", "x = 5"),
        ("2x+1", "y=2x+1"),
        ("y=2x+1", "2x+1=y"),
        ("y=2x+1", "y=1+2x"),
        ("y = 2x + 1", "y-2x-1=0"),
        ("x^2+y^2=1", "y^2+x^2=1"),
        ("y=-x+3", "x+y=3"),
        ("k=4", "4"),
        ("a_1 = 3", "3"),
        ("f(x)=x^2", "x^2"),
        ("2x+3y=6", "4x+6y=12"),
        ("\\frac{1}{2}", "t=\\frac12"),
        ("y=\\frac{1}{2}x", "2y=x"),
    ]:
        pos(r, g, a)
    for g, a in [
        ("5", "x=6"),
        ("y=2x+1", "y=2x-1"),
        ("y=2x+1", "y=x+1"),
        ("x^2+y^2=1", "x^2+y^2=2"),
        ("y=2x+1", "2x+1"),  # dropping on the gold side gives 2x+1: equal; see positives
        ("x=5", "y=5"),
        ("y=-x+3", "x-y=3"),
        ("2x+3y=6", "2x+3y=7"),
        ("x=5", "x=-5"),
        ("y = x^2", "y = x^3"),
    ]:
        expected = (g, a) == ("y=2x+1", "2x+1")
        add(r, g, box(a), expected, "assignment dropped on the gold side" if expected else "")


def interval_rows() -> None:
    r = "14"
    for g, a in [
        ("(3,\\infty)", "x>3"),
        ("x>3", "(3,\\infty)"),
        ("[3,\\infty)", "x\\ge 3"),
        ("(-\\infty,2]", "x \\le 2"),
        ("(1,5)", "1<x<5"),
        ("[1,5)", "1\\le x<5"),
        ("(-\\infty,-1)\\cup(1,\\infty)", "x<-1 \\text{ or } x>1"),
        ("(2,7]", "2 < x \\leq 7"),
        ("[0,1]", "[0, 1]"),
        ("(3,\\infty)", "x \\in (3,\\infty)"),
        ("(-\\infty,\\infty)", "\\mathbb{R}"),
        ("x>3", "3<x"),
        ("(-2, 2)", "|x|<2"),
        ("(-\\infty, 0)\\cup(0,\\infty)", "x \\neq 0"),
        ("[1,2]\\cup[3,4]", "[3,4]\\cup[1,2]"),
        ("(0,\\infty)", "x>0"),
        ("x\\ge -2", "[-2,\\infty)"),
        ("(-\\infty, 5)", "-\\infty < x < 5"),
        ("2x > 6", "x>3"),
        ("(\\frac12, 3]", "(0.5, 3]"),
    ]:
        pos(r, g, a)
    for g, a in [
        ("(3,\\infty)", "x\\ge3"),
        ("[3,\\infty)", "x>3"),
        ("(3,\\infty)", "x<3"),
        ("(1,5)", "[1,5]"),
        ("[1,5)", "(1,5]"),
        ("(1,5)", "1\\le x\\le5"),
        ("(-\\infty,-1)\\cup(1,\\infty)", "x>1"),
        ("(-\\infty,-1)\\cup(1,\\infty)", "(-1,1)"),
        ("[0,1]", "(0,1)"),
        ("(2,7]", "(2,7)"),
        ("[3,\\infty)", "[3,\\infty]"),
        ("(3,\\infty)", "(3, 100)"),
        ("x>3", "x>-3"),
        ("[1,2]\\cup[3,4]", "[1,4]"),
        ("(0,\\infty)", "x \\ge 0"),
        ("(1,5)", "(1,6)"),
        ("(-\\infty, 2]", "(-\\infty, 2)"),
        ("x\\le 5", "x<5"),
    ]:
        neg(r, g, a)


def set_rows() -> None:
    r = "15"
    for g, a in [
        ("\\{1,2,3\\}", "\\{3,2,1\\}"),
        ("2, 3", "3, 2"),
        ("2, 3", "x=2 \\text{ or } x=3"),
        ("x=2 \\text{ or } x=3", "3,2"),
        ("\\pm 2", "2, -2"),
        ("-2, 2", "\\pm 2"),
        ("2,-2", "x=\\pm 2"),
        ("1\\pm\\sqrt{2}", "1+\\sqrt2, 1-\\sqrt2"),
        ("\\{1,2\\}", "1, 2"),
        ("(1,2)", "(1, 2)"),
        ("(1,2,3)", "(1,2,3)"),
        ("(1, -2)", "\\left(1,-2\\right)"),
        ("-1, 1", "x = -1, x = 1"),
        ("\\frac12, 2", "2, 0.5"),
        ("x=1, y=2", "y=2, x=1"),
        ("3", "x = 3"),
        ("\\{\\sqrt2, -\\sqrt2\\}", "\\pm\\sqrt{2}"),
        ("1, 2, 3", "3, 1, 2"),
        ("2, 3", "3 \\text{ and } 2"),
        ("(2, 3)", "(2,3)"),
        ("0, 1", "x=0 \\text{ or } x=1"),
        ("(\\frac12, 3)", "(0.5, 3)"),
    ]:
        pos(r, g, a)
    for g, a in [
        ("\\{1,2,3\\}", "\\{1,2\\}"),
        ("\\{1,2\\}", "\\{1,2,3\\}"),
        ("2, 3", "2"),
        ("2, 3", "2, 3, 4"),
        ("(1,2)", "(2,1)"),
        ("(1,2,3)", "(1,2)"),
        ("(1,2)", "(1,2,3)"),
        ("\\pm 2", "2"),
        ("2", "\\pm 2"),
        ("1\\pm\\sqrt{2}", "1+\\sqrt2"),
        ("x=1, y=2", "x=2, y=1"),
        ("2, 3", "2, -3"),
        ("-1, 1", "1"),
        ("(3, 4)", "(4, 3)"),
        ("1, 2", "1, 2, 2, 5"),
        ("(1, 2)", "\\{1, 2\\}"),
        ("2, 3", "\\boxed{2}, \\boxed{3}, \\boxed{4}"),
        ("(0, 1)", "(0, -1)"),
        ("5", "5, 6"),
        ("(2, 3)", "2, 3, 4"),
    ]:
        neg(r, g, a)


def matrix_rows() -> None:
    r = "16"
    m = "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}"
    for g, a in [
        (m, "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}"),
        (m, "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}"),
        (m, "\\left[\\begin{matrix} 1 & 2 \\\\ 3 & 4 \\end{matrix}\\right]"),
        ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}"),
        (
            "\\begin{pmatrix} \\frac12 \\\\ 2 \\end{pmatrix}",
            "\\begin{pmatrix} 0.5 \\\\ 2 \\end{pmatrix}",
        ),
        (
            "\\begin{pmatrix} \\sqrt{8} & 0 \\end{pmatrix}",
            "\\begin{pmatrix} 2\\sqrt2 & 0 \\end{pmatrix}",
        ),
    ]:
        pos(r, g, a)
    for g, a in [
        (m, "\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}"),
        (m, "\\begin{pmatrix} 1 & 2 \\\\ 3 & 5 \\end{pmatrix}"),
        ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 1 & 2 \\end{pmatrix}"),
        ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}"),
        (m, "\\begin{pmatrix} 1 & 2 \\end{pmatrix}"),
        (m, "10"),
    ]:
        neg(r, g, a)


def complex_rows() -> None:
    r = "17"
    for g, a in [
        ("i", "\\sqrt{-1}"),
        ("-1", "i^2"),
        ("3-4i", "3 - 4 i"),
        ("3-4i", "-4i+3"),
        ("1+i", "i+1"),
        ("2i", "\\sqrt{-4}"),
        ("\\frac{1+i}{2}", "\\frac12+\\frac{i}{2}"),
        ("5", "(2+i)(2-i)"),
    ]:
        pos(r, g, a)
    for g, a in [
        ("3-4i", "3+4i"),
        ("i", "-i"),
        ("1+i", "1"),
        ("2i", "2"),
        ("-1", "i"),
        ("3-4i", "4i-3"),
    ]:
        neg(r, g, a)


def text_rows() -> None:
    r = "18"
    for g, a in [
        ("\\text{Monday}", "monday"),
        ("Monday", "\\text{MONDAY}"),
        ("\\text{yes}", "Yes"),
        ("A", "(A)"),
        ("(A)", "A"),
        ("A", "\\textbf{(A)}"),
        ("\\text{(C)}", "C"),
        ("B", "\\text{B}"),
        ("\\text{no solution}", "\\text{No Solution}"),
        ("odd", "\\textbf{odd}"),
        ("(D)", "\\mathrm{(D)}"),
        ("\\text{Evelyn}", "\\text{Evelyn}"),
        ("E", "(E)"),
    ]:
        pos(r, g, a)
    for g, a in [
        ("\\text{Monday}", "Tuesday"),
        ("A", "B"),
        ("(A)", "(B)"),
        ("\\text{yes}", "no"),
        ("A", "(A) or (B)"),
        ("C", "\\text{(D)}"),
        ("\\text{odd}", "\\text{even}"),
        ("B", "2"),
        ("\\text{Evelyn}", "\\text{Eve}"),
        ("A", "A, B"),
    ]:
        neg(r, g, a)


def calculator_rows() -> None:
    r = "19"
    for g, a in [
        ("\\frac{\\sqrt2}{2}", "sqrt(2)/2"),
        ("\\frac{3\\pi}{4}", "3*pi/4"),
        ("\\sqrt3", "3^(1/2)"),
        ("e^2", "exp(2)"),
        ("2\\sqrt{2}", "2*sqrt(2)"),
        ("8", "2**3"),
        ("\\frac{\\pi}{2}", "pi/2"),
        ("\\ln 2", "log(2)"),
        ("\\frac{1}{4}", "1/4"),
        ("x^2", "x**2"),
        ("\\sqrt{5}", "sqrt(5)"),
    ]:
        pos(r, g, a)
    for g, a in [
        ("\\frac{\\sqrt2}{2}", "sqrt(2)"),
        ("\\frac{3\\pi}{4}", "3*pi/2"),
        ("\\sqrt3", "3^(1/3)"),
        ("e^2", "exp(3)"),
        ("8", "2**4"),
        ("\\frac{1}{4}", "1/5"),
    ]:
        neg(r, g, a)


def more_rows() -> None:
    """Common dataset formats and more look-alikes, rule by rule."""
    for g, resp, exp, r in [
        ("5", "**Final Answer**: $\\boxed{5}$", True, "2"),
        ("5", "Final Answer: The final answer is $5$. I hope it is correct.", True, "4"),
        ("5", "The answer is: 5", True, "4"),
        ("x=5", "The answer is $x = 5$.", True, "4"),
        ("B", "Answer: (B)", True, "4,18"),
        ("1000", "the answer is 1,000.", True, "4,11"),
        ("5", "The answer is probably 5.", False, "4"),
        ("5", "The answer is not 5.", False, "4"),
        ("0", "so \\boxed{}", False, "2"),
        ("5", "\\boxed{5} hmm \\boxed{}", False, "2"),
        ("5", "\\boxed{5}\n\nWait, that is wrong. The answer is 6.", True, "2,4"),
        ("6", "\\boxed{5}\n\nWait, that is wrong. The answer is 6.", False, "2,4"),
        ("5", "<think>The answer is 5</think>", False, "1,4"),
        ("17", "The sum is 10 + 7 = 17", False, "4"),
        ("17", "<think>compute</think>17", False, "4"),
    ]:
        add(r, g, resp, exp, "dataset format")
    for g, a, exp, r in [
        ("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", True, "6"),
        ("\\sqrt[3]{2}", "2^{1/3}", True, "6"),
        ("\\sqrt6", "\\sqrt{2}\\cdot\\sqrt{3}", True, "6"),
        ("\\frac{1+\\sqrt5}{4}", "\\cos\\frac{\\pi}{5}", True, "6"),
        ("-1", "e^{i\\pi}", True, "6,17"),
        ("33\\frac13", "\\frac{100}{3}", True, "12"),
        ("\\frac{100}{3}", "33.\\overline{3}", True, "7"),
        ("\\infty", "\\infty", True, "11"),
        ("\\infty", "-\\infty", False, "11"),
        ("[2,5]", "x \\in [2, 5]", True, "14"),
        ("\\emptyset", "\\{\\}", True, "15"),
        ("2^{100}", "1267650600228229401496703205376", True, "6,7"),
        ("2^{100}", "1267650600228229401496703205377", False, "7"),
        ("0.001", "1e-3", True, "19"),
        ("300000000", "3.0\\times10^8", True, "6"),
        ("\\sqrt{50}", "5\\sqrt{2}", True, "6"),
        ("(2,3)", "a=2, b=3", True, "13,15"),
        ("x^2+x-6", "(x-2)(x+3)", True, "6"),
        ("\\frac{x+1}{x-1}", "1+\\frac{2}{x-1}", True, "6"),
        ("(-\\infty,2)\\cup(5,\\infty)", "x<2 \\text{ or } x>5", True, "14"),
        ("(-\\infty,2)\\cup(5,\\infty)", "x<2, x>5", True, "14"),
        ("(-\\infty,2)\\cup(5,\\infty)", "x\\le2 \\text{ or } x>5", False, "14"),
        ("\\{-1,1\\}", "\\pm 1", True, "15"),
        ("1, -1", "x = 1 \\text{ and } x = -1", True, "15"),
        ("1, 2", "x=1,2", True, "15"),
        ("(1,2), (3,4)", "(3,4), (1,2)", True, "15"),
        ("(1,2), (3,4)", "(3,4), (2,1)", False, "15"),
        ("\\langle 1, 2\\rangle", "(1,2)", True, "16"),
        ("\\langle 1, 2\\rangle", "(2,1)", False, "16"),
        ("\\frac{3+4i}{5}", "\\frac{3}{5}+\\frac{4}{5}i", True, "17"),
        ("\\sqrt{-2}", "i\\sqrt{2}", True, "17"),
        ("\\sqrt{-2}", "\\sqrt{2}", False, "17"),
        ("\\frac{1+\\sqrt{5}}{2}", "(1+sqrt(5))/2", True, "19"),
        ("2\\pi", "2pi", True, "19"),
        ("\\frac{1+\\sqrt{5}}{2}", "(1-sqrt(5))/2", False, "19"),
        ("5", "5 = x", True, "13"),
        ("2", "2 \\text{ or } 3", False, "2,15"),
        ("\\pi", "\\approx 3.14", False, "7"),
        ("5", "x", False, "6"),
        ("\\text{June 20}", "\\text{June 20}", True, "18"),
        ("\\text{June 20}", "\\text{June 21}", False, "18"),
        ("\\$18.90", "18.9", True, "10"),
        ("\\$18.90", "18.09", False, "10"),
        ("2\\text{ inches}", "2", True, "10"),
        ("1 \\frac{1}{4}", "\\frac54", True, "12"),
        ("1 \\frac{1}{4}", "\\frac14", False, "12"),
        ("\\left( \\frac{1}{2}, -\\frac{1}{3} \\right)", "(0.5, -\\frac13)", True, "11,15"),
        ("\\left( \\frac{1}{2}, -\\frac{1}{3} \\right)", "(-\\frac13, 0.5)", False, "15"),
        ("[-2,7]", "-2 \\le x \\le 7", True, "14"),
        ("[-2,7]", "-2 < x \\le 7", False, "14"),
        ("(-\\infty,-2]\\cup[2,\\infty)", "|x| \\ge 2", True, "14"),
        ("(-\\infty,-2]\\cup[2,\\infty)", "|x| > 2", False, "14"),
        ("11\\text{ p.m.}", "11", False, "10"),
        ("11\\text{ p.m.}", "11 \\text{ p.m.}", True, "10"),
        ("11\\text{ p.m.}", "11 \\text{ a.m.}", False, "10"),
        ("\\frac{9}{2}", "4.5", True, "7"),
        ("\\frac{9}{2}", "4.49", False, "7"),
        ("49\\pi", "49 \\pi", True, "6"),
        ("6\\sqrt{3}", "\\sqrt{108}", True, "6"),
        ("6\\sqrt{3}", "\\sqrt{18}", False, "6"),
        ("x^2+7x+10", "(x+2)(x+5)", True, "6"),
        ("x^2+7x+10", "(x+2)(x-5)", False, "6"),
        ("-\\dfrac{1}{2}", "-0.5", True, "7,11"),
        ("3", "\\text{3}", True, "11"),
        ("20", "20\\text{ minutes}", True, "10"),
        ("20", "\\text{20 minutes}", True, "10"),
        ("20", "\\text{21 minutes}", False, "10"),
        ("7", "7 \\textrm{ students}", True, "10"),
        ("\\frac{1}{4}", "25\\%", False, "8"),
        ("10", "10^\\circ \\text{C}", True, "9,10"),
        ("2", "2 \\, \\text{cm}", True, "10"),
        ("36", "36\\text{ cm}^2", True, "10"),
        ("8", "8\\,\\mathrm{cm}^3", True, "10"),
        ("-.5", "-0.5", True, "7"),
        ("1/2", "\\frac12", True, "19"),
        ("1/2", "0.5", True, "7"),
        ("1/2", "0.05", False, "7"),
        ("\\frac{5}{3}", "1\\tfrac23", True, "11,12"),
        ("\\sqrt{3}/3", "\\frac{1}{\\sqrt3}", True, "6"),
        ("x=2", "x=2.0", True, "13"),
        ("y=3x-2", "3x-y=2", True, "13"),
        ("y=3x-2", "y=3x+2", False, "13"),
        ("y=3x-2", "y=2x-3", False, "13"),
        ("(1,\\infty)", "(1, \\infty)", True, "14"),
        ("(1,\\infty)", "[1, \\infty)", False, "14"),
        ("a+b", "b+a", True, "6"),
        ("2ab", "2ba", True, "6"),
        ("2ab", "2a+b", False, "6"),
        ("1,2,3", "\\{1,2,3\\}", True, "15"),
        ("\\{1,2,3\\}", "(1,2,3)", False, "15"),
        ("\\frac{1}{2}", "\\frac{1}{2}x", False, "6"),
        ("2\\sqrt2", "2\\sqrt3", False, "6"),
        ("1/2", "12", False, "7"),
        ("7", "7!", False, "6"),
        ("120", "5!", True, "6"),
        ("\\text{yes}", "\\text{Yes.}", True, "18"),
        ("\\textbf{(C)}", "C", True, "18"),
        ("\\text{(C) } 12", "C", True, "18"),
        ("\\text{(C) } 12", "D", False, "18"),
        ("f(x)=2x+3", "2x+3", True, "13"),
        ("f(x)=2x+3", "2x-3", False, "13"),
        ("x \\neq 2", "(-\\infty,2)\\cup(2,\\infty)", True, "14"),
        ("4", "\\pm 4", False, "15"),
        ("\\pm 4", "4, -4", True, "15"),
        ("\\pm 4", "4", False, "15"),
        ("\\frac{\\pi}{2}", "90^\\circ", False, "9"),
        ("12", "12.01", False, "7"),
        ("2.5\\times10^{-3}", "0.0025", True, "7"),
        ("2.5\\times10^{-3}", "0.025", False, "7"),
        ("5\\times 10^{6}", "5000000", True, "6"),
        ("5\\times 10^{6}", "500000", False, "6"),
        ("3.5", "3\\frac12", True, "12"),
        ("\\$5.00", "5", True, "10"),
        ("\\$5.00", "500", False, "10"),
        ("\\frac{2}{\\sqrt{3}}", "\\frac{2\\sqrt3}{3}", True, "6"),
        ("\\cos^2 x", "1-\\sin^2 x", True, "6"),
        ("\\sin 2x", "2\\sin x\\cos x", True, "6"),
        ("\\sin 2x", "2\\sin x", False, "6"),
        ("\\tan^{-1} 1", "\\frac{\\pi}{4}", True, "6"),
        ("\\log 8", "3\\log 2", True, "6"),
        ("\\log_2 10", "\\frac{\\ln 10}{\\ln 2}", True, "6"),
        ("\\log_2 10", "\\log_{10} 2", False, "6"),
        ("0", "-0", True, "6"),
        ("0", "0.0001", False, "7"),
        ("\\frac{1}{1000}", "0.001", True, "7"),
        ("\\frac{1}{1000}", "0.0001", False, "7"),
        ("1,000,000", "10^6", True, "6,11"),
        ("1,000,000", "10^5", False, "6"),
        ("\\frac{13}{2}", "6.5", True, "7"),
        ("\\frac{13}{2}", "6.05", False, "7"),
        ("-7", "-(7)", True, "6"),
        ("-7", "(-7)^2", False, "6"),
        ("x^{2}", "x^2", True, "11"),
        ("x^{2}", "x^{3}", False, "6"),
        ("2^{3^2}", "512", True, "6"),
        ("2^{3^2}", "64", False, "6"),
        ("3^4", "81", True, "6"),
        ("3^4", "4^3", False, "6"),
        ("\\frac{1}{3}", "\\frac{2}{6}", True, "6"),
        ("\\frac{1}{3}", "\\frac{3}{9}x", False, "6"),
        ("15\\%", "15", True, "8"),
        ("15\\%", "0.15", False, "8"),
        ("15\\%", "\\frac{15}{100}", False, "8"),
        ("1.5", "\\frac{3}{2}\\%", True, "8"),
        ("8", "8 \\text{ or } 9", False, "15"),
        ("(3,4)", "3, 4", True, "15"),
        ("(3,4)", "4, 3", False, "15"),
    ]:
        add(r, g, box(a), exp, "look-alike" if not exp else "equivalent form")


def more_negatives() -> None:
    """Hard negatives: one character, one bracket, one factor away from the gold."""
    for g, a, exp, r in [
        ("5", "5 ab", False, "10"),
        ("5", "5 cm", True, "10"),
        ("x^2", "x\u00b2", True, "11"),
        ("\\sqrt2", "\u221a(2)", True, "11"),
        ("(1,1)", "1", False, "15"),
        ("0", "0\\cdot\\infty", False, "21"),
        ("1000", "1.000", False, "11"),
        ("1.5", "1,5", False, "11"),
        ("x=5", "y=5", False, "13"),
        ("5", "x=5, y=6", False, "15"),
        ("A", "\\text{A and B}", False, "18"),
        ("A", "\\textbf{(A)}\\ 5", True, "18"),
        ("\\frac{\\pi}{3}", "60^\\circ", False, "9"),
        ("[1,2]", "\\{1,2\\}", False, "14,15"),
        ("\\{1,2\\}", "[1,2]", False, "14,15"),
        ("5", "5\\text{ (not 6)}", False, "10"),
        ("2", "\\frac{4}{2}", True, "6"),
        ("(1,2)", "[1,2]", False, "14"),
        ("[1,2]", "(1,2)", False, "14"),
        ("(1,2]", "(1,2)", False, "14"),
        ("x>0", "x\\ge0", False, "14"),
        ("x<0", "x>0", False, "14"),
        ("x\\le 1", "x \\ge 1", False, "14"),
        ("x>2", "2>x", False, "14"),
        ("\\frac{3}{8}", "0.375", True, "7"),
        ("\\frac{3}{8}", "0.38", False, "7"),
        ("\\frac{5}{6}", "0.8\\overline{3}", True, "7"),
        ("\\frac{5}{6}", "0.83", False, "7"),
        ("\\frac{5}{6}", "0.833", False, "7"),
        ("\\frac{2}{7}", "0.2857", False, "7"),
        ("\\sqrt{5}", "2.236", False, "7"),
        ("\\pi^2", "9.87", False, "7"),
        ("\\ln 2", "0.693", False, "7"),
        ("10", "10.5", False, "7"),
        ("99", "99.9", False, "7"),
        ("1", "1.01", False, "7"),
        ("1000000007", "1000000008", False, "7"),
        ("2^{31}-1", "2147483648", False, "6,7"),
        ("2^{31}-1", "2147483647", True, "6,7"),
        ("3^{20}", "3486784401", True, "6"),
        ("3^{20}", "3486784400", False, "7"),
        ("12\\%", "12.5\\%", False, "8"),
        ("30^\\circ", "30.5", False, "9"),
        ("5 \\text{ cm}", "6 \\text{ cm}", False, "10"),
        ("\\$7", "\\$70", False, "10"),
        ("10{,}000", "1{,}000", False, "11"),
        ("2\\frac{1}{3}", "2\\frac{1}{4}", False, "12"),
        ("2\\frac{1}{3}", "\\frac{2}{3}", False, "12"),
        ("y=x+1", "y=x", False, "13"),
        ("y=x+1", "x=y+1", False, "13"),
        ("\\{1,2\\}", "\\{1,3\\}", False, "15"),
        ("\\{1,2\\}", "\\{1\\}", False, "15"),
        ("1, 2", "1 \\text{ or } 3", False, "15"),
        ("\\pm\\sqrt{3}", "\\sqrt{3}", False, "15"),
        ("\\pm\\sqrt{3}", "\\pm 3", False, "15"),
        ("(1, 2, 3)", "(1, 3, 2)", False, "15"),
        ("(0,0)", "(0,0,0)", False, "15"),
        ("\\begin{pmatrix} 1 & 0 \\\\ 0 & 1 \\end{pmatrix}", "1", False, "16"),
        (
            "\\begin{pmatrix} 1 & 0 \\\\ 0 & 1 \\end{pmatrix}",
            "\\begin{pmatrix} 0 & 1 \\\\ 1 & 0 \\end{pmatrix}",
            False,
            "16",
        ),
        ("2+3i", "2-3i", False, "17"),
        ("2+3i", "3+2i", False, "17"),
        ("i", "1", False, "17"),
        ("\\text{blue}", "\\text{red}", False, "18"),
        ("\\text{(E)}", "E", True, "18"),
        ("\\text{(E)}", "e", False, "18"),
        ("sqrt(3)", "sqrt(2)", False, "19"),
        ("\\frac{\\sqrt{3}}{2}", "sqrt(3)/3", False, "19"),
        ("2\\pi", "2*pi*r", False, "19"),
    ]:
        add(r, g, box(a), exp, "look-alike" if not exp else "equivalent form")


def value_form_rows() -> None:
    """Harder equal forms (sympy must prove them) and their one-step-off look-alikes."""
    for g, a, exp, r in [
        ("\\frac{\\sqrt6-\\sqrt2}{4}", "\\sin\\frac{\\pi}{12}", True, "6"),
        ("\\frac{\\sqrt6+\\sqrt2}{4}", "\\sin\\frac{\\pi}{12}", False, "6"),
        ("-2", "\\log_3 \\frac{1}{9}", True, "6"),
        ("2", "\\log_3 \\frac{1}{9}", False, "6"),
        ("\\frac{n(n-1)}{2}", "\\binom{n}{2}", True, "6"),
        ("\\frac{n(n+1)}{2}", "\\binom{n}{2}", False, "6"),
        ("0", "\\ln 1", True, "6"),
        ("\\sqrt3", "\\tan\\frac{\\pi}{3}", True, "6"),
        ("x+1", "\\frac{(x+1)^2}{x+1}", True, "6"),
        ("\\frac{\\sqrt{2}}{2}", "\\cos 45^\\circ", True, "6,9"),
        ("\\frac{1}{2}", "\\sin 30\u00b0", True, "6,9"),
        ("\\frac{\\sqrt3}{2}", "\\sin 30^\\circ", False, "6,9"),
        ("1", "\\sin^2 20^\\circ + \\cos^2 20^\\circ", True, "6,9"),
        ("-8", "(-2)^3", True, "6"),
        ("8", "(-2)^3", False, "6"),
        ("-1", "(-1)^{2023}", True, "6"),
        ("1", "(-1)^{2023}", False, "6"),
        ("\\sqrt{2}", "2^{0.5}", True, "6,7"),
        ("2\\sqrt{2}", "8^{1/2}", True, "6"),
        ("\\frac{1}{\\sqrt{2}+1}", "\\sqrt{2}-1", True, "6"),
        ("\\frac{1}{\\sqrt{2}+1}", "\\sqrt{2}+1", False, "6"),
        ("\\frac{1+\\sqrt{5}}{2}", "\\frac{2}{\\sqrt{5}-1}", True, "6"),
        ("\\sqrt{7+4\\sqrt3}", "2+\\sqrt3", True, "6"),
        ("\\sqrt{7+4\\sqrt3}", "2+\\sqrt2", False, "6"),
        ("\\sqrt[3]{2+\\sqrt5}+\\sqrt[3]{2-\\sqrt5}", "1", True, "6"),
        (
            "\\cos\\frac{2\\pi}{7}+\\cos\\frac{4\\pi}{7}+\\cos\\frac{6\\pi}{7}",
            "-\\frac12",
            True,
            "6",
        ),
        (
            "\\cos\\frac{2\\pi}{7}+\\cos\\frac{4\\pi}{7}+\\cos\\frac{6\\pi}{7}",
            "-0.5000001",
            False,
            "7",
        ),
        ("\\frac{\\pi}{2}", "\\arcsin 1", True, "6"),
        ("\\frac{\\pi}{3}", "\\arccos\\frac12", True, "6"),
        ("\\frac{\\pi}{6}", "\\arccos\\frac12", False, "6"),
        ("e", "\\exp(1)", True, "6,19"),
        ("e^{-1}", "\\frac{1}{e}", True, "6"),
        ("10", "\\log_{2} 1024", True, "6"),
        ("\\frac{\\ln 3}{\\ln 2}", "\\log_2 3", True, "6"),
        ("\\log_2 3", "1.585", False, "7"),
        ("\\binom{10}{2}", "\\binom{10}{8}", True, "6"),
        ("\\binom{10}{2}", "\\binom{10}{3}", False, "6"),
        ("x^2-4", "(x-2)(x+2)", True, "6"),
        ("(x-2)(x+2)", "x^2+4", False, "6"),
        ("2(x+1)", "2x+1", False, "6"),
        ("-2", "\\sqrt[3]{-8}", True, "6"),
        ("2", "\\sqrt[3]{-8}", False, "6"),
        ("11", "x = 5+5+1 = 11", True, "13"),
        ("11", "x = 5+5+1 = 7 = 11", False, "13"),
        ("5", "2+3=5", True, "13"),
        ("5", "2+2=5", False, "13"),
        ("x=5", "x=\\frac{10}{2}=5", True, "13"),
        ("(1,3)", "{1,3}", True, "11,15"),
        ("28\\%", "28 pct", True, "8"),
        ("y=2x+1", "y=2x+1=3", False, "13"),
        ("\\{1,2\\}", "\\left\\lbrace 2, 1 \\right\\rbrace", True, "11,15"),
        ("\\frac13", "0.(3)", True, "7"),
        ("\\frac13", "0.3", False, "7"),
        ("[1,3)", "\\{x \\mid 1 \\le x < 3\\}", True, "14"),
        ("[1,3)", "\\{x \\mid 1 < x < 3\\}", False, "14"),
        ("A", "(a)", True, "18"),
        ("10 \\text{ AM}", "10 \\text{ PM}", False, "10"),
        ("5", "\u20ac5", True, "10"),
        ("(x+1)^{100}", "(x+1)^{99}(x+1)", True, "6"),
        ("(x+1)^{100}", "(x+1)^{100}+1", False, "6"),
        ("x^{100}-1", "(x-1)(x^{99}+x^{98})", False, "6"),
        ("\\text{Pascal's triangle}", "\\text{pascal's triangle}", True, "18,20"),
        ("\\text{Pascal's triangle}", "\\text{Pascal triangle}", False, "18"),
        ("\\mathbb{R}", "x \\in \\mathbb{R}, x \\neq 2", False, "14"),
        ("\\mathbb{R}", "x>1, x<3", False, "14"),
        ("(-\\infty,-1)\\cup(1,\\infty)", "x<-1, x>1", True, "14"),
        ("\\mathbb{R}", "\\text{All real numbers}", True, "14,18"),
        ("(1,2)", "(x, y) = (1, 2)", True, "13,15"),
        ("(2,1)", "(x, y) = (1, 2)", False, "13,15"),
        (
            "\\begin{pmatrix}1&2\\end{pmatrix}",
            "A = \\begin{pmatrix}1&2\\end{pmatrix}",
            True,
            "13,16",
        ),
        ("0.5", "\\nicefrac{1}{2}", True, "11"),
        ("(0,1)\\cup(2,3)", "(0,1) \\text{ and } (2,3)", True, "14"),
        ("(0,1)\\cup(2,3)", "(0,1) \\text{ and } (2,4)", False, "14"),
        ("\\text{no}", "\\text{No}", True, "18"),
        ("no", "\\text{NO}", True, "18"),
        ("\\text{no}", "\\text{yes}", False, "18"),
        ("xy", "yx", True, "6"),
        ("\\text{no}", "on", False, "18"),
        ("2", "\\lambda = 2", True, "13,20"),
        ("\\lambda^2", "\\lambda \\cdot \\lambda", True, "6,20"),
        ("2", "\\lambda = 3", False, "13"),
        ("x=2", "2x=4", False, "13"),
        ("x=2", "x-2=0", False, "13"),
        ("y=2x+1", "2y=4x+2", True, "13"),
        ("y=2x+1", "x=\\frac{y-1}{2}", True, "13"),
        (
            "\\frac{-b+\\sqrt{b^2-4ac}}{2a}, \\frac{-b-\\sqrt{b^2-4ac}}{2a}",
            "x=\\frac{-b\\pm\\sqrt{b^2-4ac}}{2a}",
            True,
            "13,15",
        ),
        ("\\frac{1+\\sqrt5}{2},\\frac{1-\\sqrt5}{2}", "\\frac{1\\pm\\sqrt5}{2}", True, "15"),
        ("\\frac{1+\\sqrt5}{2}", "\\frac{1\\pm\\sqrt5}{2}", False, "15"),
        ("\\frac{1+\\sqrt5}{2},\\frac{1-\\sqrt5}{2}", "(1\\pm\\sqrt5)/2", True, "15,19"),
        ("1", "0^0", False, "21"),
        ("1", "0^{0}", False, "21"),
        ("x+y>3", "3<y+x", True, "14"),
        ("x+y>3", "2x+2y>6", True, "14"),
        ("x+y>3", "x+y\\ge 3", False, "14"),
        ("a<b", "b>a", True, "14"),
        ("a<b", "a>b", False, "14"),
        ("[a,b)", "[a,b)", True, "14"),
        ("[a,b)", "(a,b]", False, "14"),
        ("(-\\infty,-2)\\cup(2,\\infty)", "x^2>4", True, "14"),
        ("[-2,2]", "x^2\\le 4", True, "14"),
        ("[-2,2]", "x^2<4", False, "14"),
        ("(2,3)", "x^2-5x+6<0", True, "14"),
        ("(2,3)", "x^2-5x+6>0", False, "14"),
        ("x>2", "x^3>8", True, "14"),
    ]:
        add(r, g, box(a), exp, "look-alike" if not exp else "equivalent form")
    for g, resp, exp, r in [
        ("5", "The final answer is $\\boxed{5}$. I hope it is correct.", True, "2"),
        ("5", "Therefore, the answer is \\(\\boxed{5}\\).", True, "2"),
        ("5", "FINAL ANSWER: 5", True, "4"),
        ("5", "The answer is $5$, since 2+3=5.", True, "4"),
        ("5", "answer is 5", True, "4"),
        ("5", "<think>\nLet me think. \\boxed{5}\n</think>\n", False, "1,2"),
        ("12", "There are 12 apples.", False, "4"),
        ("12", "So 12.", False, "4"),
        ("2", "The solution is x = 2.", False, "4"),
        ("2", "Thus, x = \\boxed{2}.", True, "2"),
        ("B", "The correct option is (B).", False, "4"),
        ("5", "The answer is 5 but it could be 6.", False, "4"),
        ("5", "The answer is approximately 5.", False, "4"),
        ("5", "\\boxed{{5}}", True, "2,11"),
        ("-3", "The answer is -3.", True, "4"),
        ("7", "The answer is: **7**", True, "4"),
        ("7", "I think the answer is 7 but not sure", False, "4"),
        ("2, 3", "The answer is 2 and 3.", True, "4,15"),
        ("3.5", "The final answer is 3.5 cm.", True, "4,10"),
        ("B", "The answer is B.", True, "4,18"),
        ("5", "**Answer**: 5", True, "4"),
        ("5", "**Final Answer:** 5", True, "4"),
        ("5", "</think> \\boxed{5}", True, "1"),
        ("5", "<think>\n\n</think>\n\n", False, "1"),
        ("C", "\\(\\boxed{\\text{C}}\\).", True, "2,18"),
        ("6", "\\boxed{5} \\boxed{6} \\boxed{5}", False, "2"),
    ]:
        add(r, g, resp, exp, "statement/extraction form")


def blind_rows() -> None:
    """Rows written from docs/grading-policy.md alone, before checking them against the grader."""
    rows = {
        "6": [
            ("\\frac{4}{6}", ("\\frac{2}{3}"), 1),
            ("\\frac{2}{3}", ("\\frac{3}{2}"), 0),
            ("\\sqrt{18}", ("3\\sqrt{2}"), 1),
            ("\\sqrt{18}", ("2\\sqrt{3}"), 0),
            ("x^2-9", ("(x+3)(x-3)"), 1),
            ("x^2-9", ("(x-3)^2"), 0),
            ("\\cos\\frac{\\pi}{3}", ("\\frac{1}{2}"), 1),
            ("\\cos\\frac{\\pi}{3}", ("\\frac{\\sqrt{3}}{2}"), 0),
            ("\\binom{6}{3}", ("20"), 1),
            ("\\binom{6}{3}", ("120"), 0),
            ("7!", ("5040"), 1),
            ("7!", ("504"), 0),
            ("3^{5}", ("243"), 1),
            ("3^5", ("15"), 0),
            ("\\log_3 27", ("3"), 1),
            ("\\log_3 27", ("9"), 0),
            ("\\log_{5} 125", ("3"), 1),
        ],
        "7": [
            ("\\frac{3}{4}", ("0.75"), 1),
            ("\\frac{3}{4}", ("0.7500"), 1),
            ("\\frac{3}{4}", ("0.749"), 0),
            ("\\frac{1}{9}", ("0.\\overline{1}"), 1),
            ("\\frac{1}{9}", ("0.111"), 0),
            ("\\frac{2}{3}", ("0.6667"), 0),
            ("\\frac{2}{3}", ("0.\\overline{6}"), 1),
            ("\\sqrt{3}", ("1.73205"), 0),
            ("e", ("2.71828182845905"), 0),
            ("2", ("1.99999"), 0),
            ("12345678901234567890", ("12345678901234567890"), 1),
            ("12345678901234567890", ("12345678901234567891"), 0),
            ("12345678901234567890", ("1.234567890123456789e19"), 1),
            ("\\frac{1}{3^{50}}", ("\\frac{1}{3^{51}}"), 0),
            ("3.50", ("3.5"), 1),
            ("3.05", ("3.5"), 0),
        ],
        "8": [
            ("75\\%", ("75"), 1),
            ("75", ("75\\%"), 1),
            ("75\\%", ("0.75"), 0),
            ("0.75", ("75\\%"), 0),
            ("75\\%", ("75 percent"), 1),
            ("7.5\\%", ("75\\%"), 0),
        ],
        "9": [
            ("60^\\circ", ("60"), 1),
            ("60", ("60^{\\circ}"), 1),
            ("60^\\circ", ("\\frac{\\pi}{3}"), 0),
            ("60^\\circ", ("60 degrees"), 1),
            ("60^\\circ", ("6^\\circ"), 0),
        ],
        "10": [
            ("24", ("24 \\text{ cm}^2"), 1),
            ("24", ("24\\text{ inches}"), 1),
            ("\\$24", ("24"), 1),
            ("24", ("24 \\text{ dollars}"), 1),
            ("24", ("\\$2.40"), 0),
            ("3", ("3\\mathrm{~m}"), 1),
            ("3", ("300 \\text{ cm}"), 0),
        ],
        "11": [
            ("10000", ("10,000"), 1),
            ("10000", ("10{,}000"), 1),
            ("10000", ("10\\,000"), 1),
            ("10000", ("10 000"), 1),
            ("007", ("7"), 1),
            ("7", ("7."), 1),
            ("\\frac{1}{2}", ("\\left(\\frac{1}{2}\\right)"), 1),
            ("\\frac{1}{2}", ("\\tfrac{1}{2}"), 1),
            ("-4", ("\u22124"), 1),
            ("4", ("\u22124"), 0),
            ("\\pi", ("\u03c0"), 1),
            ("\\infty", ("\u221e"), 1),
            ("2\\sqrt{5}", ("2\u221a5"), 1),
            ("1000", ("1,000.0"), 1),
            ("10000", ("100,00"), 0),
        ],
        "12": [
            ("\\frac{7}{2}", ("3\\frac{1}{2}"), 1),
            ("\\frac{7}{2}", ("3\\frac12"), 1),
            ("\\frac32", ("3\\frac12"), 0),
            ("5\\frac{2}{3}", ("\\frac{17}{3}"), 1),
            ("5\\frac{2}{3}", ("\\frac{10}{3}"), 0),
        ],
        "13": [
            ("7", ("x=7"), 1),
            ("x=7", ("7"), 1),
            ("x=7", ("x=-7"), 0),
            ("y=3x-1", ("3x-1"), 1),
            ("y=3x-1", ("3x-y=1"), 1),
            ("y=3x-1", ("y=3x+1"), 0),
            ("y = -2x + 4", ("2x + y = 4"), 1),
            ("a=3", ("b=3"), 0),
        ],
        "14": [
            ("(-\\infty, 4)", ("x<4"), 1),
            ("(-\\infty, 4)", ("x\\le 4"), 0),
            ("(-\\infty, 4]", ("x\\le 4"), 1),
            ("[2, 6]", ("2\\le x\\le 6"), 1),
            ("[2, 6]", ("2<x<6"), 0),
            ("(-3, 3)", ("-3<x<3"), 1),
            ("(-3,3)", ("[-3,3]"), 0),
            ("(-\\infty,1)\\cup(3,\\infty)", ("x<1 \\text{ or } x>3"), 1),
            ("(-\\infty,1)\\cup(3,\\infty)", ("1<x<3"), 0),
            ("x\\geq 5", ("[5,\\infty)"), 1),
            ("x\\geq 5", ("(5,\\infty)"), 0),
        ],
        "15": [
            ("\\{2, 5\\}", ("\\{5, 2\\}"), 1),
            ("2, 5", ("5, 2"), 1),
            ("2, 5", ("x=2 \\text{ or } x=5"), 1),
            ("2, 5", ("2"), 0),
            ("2, 5", ("2, 5, 7"), 0),
            ("\\pm 3", ("3, -3"), 1),
            ("\\pm 3", ("3"), 0),
            ("(2, 5)", ("(5, 2)"), 0),
            ("(2, 5)", ("(2, 5)"), 1),
            ("(1, 2, 3)", ("(1, 2)"), 0),
            ("-1, 2", ("x = -1, x = 2"), 1),
        ],
        "16": [
            (
                "\\begin{pmatrix} 2 \\\\ -1 \\end{pmatrix}",
                ("\\begin{bmatrix} 2 \\\\ -1 \\end{bmatrix}"),
                1,
            ),
            (
                "\\begin{pmatrix} 2 \\\\ -1 \\end{pmatrix}",
                ("\\begin{pmatrix} -1 \\\\ 2 \\end{pmatrix}"),
                0,
            ),
            (
                "\\begin{pmatrix} 1 & 0 \\\\ 0 & 1 \\end{pmatrix}",
                ("\\begin{bmatrix}1&0\\\\0&1\\end{bmatrix}"),
                1,
            ),
        ],
        "17": [
            ("2+i", ("i+2"), 1),
            ("2+i", ("2-i"), 0),
            ("-1", ("i^2"), 1),
            ("i", ("\\sqrt{-1}"), 1),
            ("1", ("i^4"), 1),
            ("-i", ("i^3"), 1),
            ("3i", ("\\sqrt{-9}"), 1),
        ],
        "18": [
            ("\\text{Paris}", ("paris"), 1),
            ("\\text{Paris}", ("London"), 0),
            ("C", ("(C)"), 1),
            ("C", ("\\textbf{(C)}"), 1),
            ("(C)", ("C"), 1),
            ("C", ("D"), 0),
        ],
        "19": [
            ("\\frac{\\sqrt{3}}{2}", ("sqrt(3)/2"), 1),
            ("\\frac{\\pi}{4}", ("pi/4"), 1),
            ("\\sqrt{2}", ("2^(1/2)"), 1),
            ("e^{3}", ("exp(3)"), 1),
            ("\\frac{\\pi}{4}", ("pi/2"), 0),
        ],
    }
    for rule, items in rows.items():
        for gold, answer, expected in items:
            add(rule, gold, box(answer), bool(expected), "blind row")


def blind_rows_2() -> None:
    """Second blind batch: extraction, section-4 failure modes, labels."""
    for gold, response, expected, rule in [
        ("4", "<think>2+2=4, answer \\boxed{4}</think>\n\nThe sum is \\boxed{4}.", True, "1"),
        ("4", "<think>2+2=4</think>\n\nThe sum is four.", False, "1"),
        ("4", "<think>2+2=4\n\nSo \\boxed{4}", False, "1"),
        ("4", "<think>ok</think>The answer is 4", True, "1"),
        ("4", "\\boxed{3}\nHmm wait. \\boxed{4}", True, "2,3"),
        ("3", "\\boxed{3}\nHmm wait. \\boxed{4}", False, "2,3"),
        ("4", "Final: \\boxed{4} \\boxed{5", False, "2,3"),
        ("4", "\\boxed{\\boxed{4}}", True, "2,3"),
        ("4", "\\fbox{4}", True, "2,3"),
        ("4", "Answer: 4.", True, "4"),
        ("4", "The final answer is 4", True, "4"),
        ("4", "After computing, 4 is what we get.", False, "4"),
        ("4", "$4$", False, "4"),
        ("0.5", "\\boxed{\\frac{1}{2}}", True, "6"),
        ("0.5", "\\boxed{\\frac{1}{3}}", False, "6"),
        ("\\frac{1}{7}", "\\boxed{0.142857}", False, "7"),
        ("\\frac17", "\\boxed{0.\\overline{142857}}", True, "7"),
        ("12", "\\boxed{1200}", False, "8"),
        ("12", "\\boxed{0.12}", False, "8"),
        ("12\\%", "\\boxed{12}", True, "8"),
        ("2, 3", "\\boxed{2} and \\boxed{3}", False, "2,3"),
        ("2, 3", "\\boxed{2, 3}", True, "11,15"),
        ("2, 3", "\\boxed{3, 2}", True, "11,15"),
        ("\\frac52", "\\boxed{2\\frac12}", True, "12"),
        ("1", "\\boxed{2\\frac12}", False, "12"),
        ("(1, 4]", "\\boxed{1 < x \\leq 4}", True, "14"),
        ("(1, 4]", "\\boxed{1 \\le x < 4}", False, "14"),
        ("(1, 4]", "\\boxed{[1, 4)}", False, "14"),
        ("\\ln 5", "\\boxed{\\ln 5}", True, "6"),
        ("\\ln 5", "\\boxed{l n 5}", False, "6"),
        ("\\ln 5", "\\boxed{\\log 5}", True, "6"),
        ("\\sqrt[3]{5}", "\\boxed{\\sqrt{5}}", False, "6"),
        ("\\sqrt[3]{5}", "\\boxed{5^{1/3}}", True, "2,3"),
        ("\\sqrt[4]{5}", "\\boxed{\\sqrt{\\sqrt{5}}}", True, "6"),
        ("98765432109876543210987654321", "\\boxed{98765432109876543210987654322}", False, "7"),
        ("98765432109876543210987654321", "\\boxed{98765432109876543210987654321}", True, "7"),
        (
            "98765432109876543210987654321",
            "\\boxed{9.8765432109876543210987654321 \\times 10^{28}}",
            True,
            "7",
        ),
        ("98765432109876543210987654321", "\\boxed{9.87654321098765 \\times 10^{28}}", False, "7"),
        ("\\frac{\\sqrt{2}}{2}", "\\boxed{\\frac{1}{\\sqrt{2}}}", True, "6"),
        ("\\frac{\\sqrt2}{2}", "\\boxed{0.7071}", False, "7"),
        ("x^2+2x+1", "\\boxed{(x+1)^{2}}", True, "6"),
        ("(x+1)^2", "\\boxed{x^2+x+1}", False, "6"),
        ("\\text{even}", "\\boxed{\\text{Even}}", True, "18"),
        ("\\text{even}", "\\boxed{\\text{odd}}", False, "18"),
        ("\\text{(B)}", "\\boxed{B}", True, "18"),
        ("B", "\\boxed{\\text{(B)}}", True, "6"),
        ("B", "\\boxed{(B) and (C)}", False, "6"),
        ("3", "\\boxed{\\text{3 apples}}", True, "14"),
        ("3", "\\boxed{3\\text{ apples}}", True, "14"),
        ("3", "\\boxed{4\\text{ apples}}", False, "14"),
        ("\\frac{1}{4}", "\\boxed{\\frac{1}{4}\\text{ of the pie}}", True, "10"),
        ("90", "\\boxed{90^{\\circ}}", True, "9"),
        ("90", "\\boxed{\\frac{\\pi}{2}}", False, "9"),
        ("\\$3.50", "\\boxed{3.5}", True, "10"),
        ("\\$3.50", "\\boxed{\\$3.05}", False, "10"),
        ("\\$3.50", "\\boxed{350}", False, "10"),
        ("1{,}234", "\\boxed{1234}", True, "11,15"),
        ("1234", "\\boxed{1,234}", True, "11,15"),
        ("1234", "\\boxed{12,34}", False, "11,15"),
        ("0", "\\boxed{\\frac{0}{1}}", True, "6"),
        ("0", "\\boxed{\\frac{1}{0}}", False, "21"),
        ("1", "\\boxed{0^0}", False, "21"),
    ]:
        add(rule, gold, response, expected, "blind row")


def hostile_rows() -> None:
    r = "20"
    payloads = [
        ("0", "__import__('os').system('touch /tmp/mathreward_pwned')", "os.system returns 0"),
        ("4", "eval('2+2')", "eval to the gold"),
        ("4", "(lambda: 4)()", "lambda to the gold"),
        ("4", "exec('x=4')", "exec"),
        ("1", "().__class__.__bases__[0].__subclasses__()", "dunder walk"),
        ("5", "len(open('/etc/passwd').read()) and 5", "open"),
        ("2", "__import__('math').sqrt(4)", "import math"),
        ("10", "sum(range(5))", "would be 10 in python"),
        ("3", "import os; 3", "import"),
        ("6", "getattr(__builtins__, 'eval')('6')", "getattr"),
        ("1", "os.system('id')", "os.system"),
        ("2", "'2'", "quoted string"),
    ]
    for gold, code, note in payloads:
        hostile(r, gold, box(code), note)
        hostile(r, gold, f"The answer is {code}", note + " (statement)")
    r = "21"
    big = "9" * 50_000
    hostile(r, "1", box("9^{9^{9^9}}"), "exponent tower")
    hostile(r, "1", box("(10^{10^{10}})!"), "huge factorial")
    hostile(r, "1", box("2^{2^{2^{2^{2^{2}}}}}"), "2-tower")
    hostile(r, "1", box("10^{10^{100}}"), "googolplex")
    hostile(r, "1", box("100000!"), "factorial 10^5")
    hostile(r, big, box(big), "50,000-digit number equal to the gold")
    hostile(r, "1", box(big), "50,000-digit number")
    hostile(r, "1", box("1+" * 25_000 + "1"), "50 KB answer")
    hostile(r, "1", box("{" * 5000 + "1" + "}" * 5000), "5,000 nested braces")
    hostile(r, "1", box("(" * 5000 + "1" + ")" * 5000), "5,000 nested parentheses")
    hostile(r, "1", box(", ".join(str(i) for i in range(10_000))), "10,000-element list")
    hostile(r, "\\frac{1}{0}", box("\\frac{1}{0}"), "division by zero equal to gold text")
    hostile(r, "1", box("\\frac{1}{0}"), "division by zero")
    hostile(r, "1", box("\\sum_{k=1}^{10^{10}} k"), "huge sum")
    hostile(r, "1", box("\\prod_{k=1}^{10^{9}} k"), "huge product")
    hostile(r, "1", box("x^{10^{10}}"), "symbolic huge exponent")
    hostile(r, "1", box("\\sqrt{" * 2000 + "2" + "}" * 2000), "deep sqrt nesting")
    hostile(r, "1", box("-" * 3000 + "1"), "3,000 unary minus")
    hostile(r, "1", box("\\binom{10^{9}}{5 \\cdot 10^8}"), "huge binomial")
    hostile(r, "1", "\\boxed{1" + "x" * 200_000, "200 KB unclosed box")
    hostile(r, "0", box("0^{-1}"), "zero to the minus one")
    hostile(r, "1", box("(2^{64})^{2^{64}}"), "huge power of a power")
    hostile(r, "1", box("e^{e^{e^{e^{10}}}}"), "symbolic exponent tower")
    hostile(r, "1", box("\\binom{100000}{50000}"), "30,000-digit binomial")
    hostile(r, "1", box("\\cdot".join(["10^{9000}"] * 5)), "product of huge powers")
    hostile(r, "1", box("(1+\\sqrt{2})^{10000}"), "expansion bomb")
    hostile(r, "x^{64}", box("(x+1)^{64}(x+2)^{64}"), "big polynomial product")
    hostile(r, "1", box("\\tan(10^{999})"), "trig of a 1000-digit number")
    hostile(r, "1", box("2^{65536}"), "20,000-digit power")
    hostile(r, "1", box("\\sin(" * 55 + "1" + ")" * 55), "55 nested sines")
    hostile(r, "1", "<think>" + "\\boxed{1}" * 20_000, "unfinished think with 20,000 boxes")
    hostile(r, "1", "</think>" + "\\boxed{2}" * 20_000, "20,000 boxes")


def real_output_rows() -> None:
    """Forms real solutions and golds use (issue 15); a hard negative beside every positive."""
    r = "11"  # thousands separators with blanks or braces are one numeral
    pos(r, "11111111100", "11,\\! 111,\\! 111,\\! 100", "spaced ,\\! groups")
    neg(r, "11111111101", "11,\\! 111,\\! 111,\\! 100", "spaced ,\\! groups, last digit differs")
    pos(r, "32349", "32,\\! 349", "one spaced ,\\! group")
    neg(r, "32349", "32,\\! 348", "one spaced ,\\! group, differs")
    pos(r, "14916", "14{, }916", "braced comma with a blank")
    neg(r, "14916", "14{, }961", "braced comma with a blank, digits swapped")
    pos(r, "14{,}916", "14 {,} 916", "braced comma with blanks around it")
    neg(r, "14{,}916", "14 {,} 196", "braced comma with blanks, differs")
    pos(r, "2,\\!024,\\!000", "2024000", "gold with ,\\! groups")
    neg(r, "2,\\!024,\\!000", "2024", "gold with ,\\! groups vs its head")
    neg(r, "0,111", "111", "0, never starts a thousands group")
    neg(r, "0,125", "125", "0, never starts a thousands group (2)")
    neg(r, "0{,}125", "125", "braced 0{,} never starts a thousands group")
    pos(r, "0,125", "\\frac{1}{8}", "0,ddd is a decimal comma")
    neg(r, "0,125", "\\frac{1}{4}", "0,ddd is a decimal comma, other value")
    pos(r, "0{,}5", "\\frac12", "braced decimal comma")
    neg(r, "0,5", "\\frac12", "0,5 is the list 0, 5 (no decimal comma for one digit)")
    pos(r, "0,5", "\\{0, 5\\}", "0,5 is the list 0, 5")
    r = "4"  # a chain is paid by its last value only when every link holds
    pos(r, "24", "4! = 24", "true chain: its last value")
    neg(r, "4", "4! = 24", "true chain is never its first factor's operand")
    pos(r, "10", "2 \\cdot 5 = 10", "true chain")
    neg(r, "2", "2 \\cdot 5 = 10", "true chain, head's first factor")
    neg(r, "11", "x = 5+5+1 = 7 = 11", "false chain: not an answer")
    neg(r, "7", "x = 5+5+1 = 7 = 11", "false chain: not an answer (middle value)")
    r = "19"  # big operators
    pos(r, "6", "\\sum_{k=1}^{3} k", "finite sum")
    neg(r, "7", "\\sum_{k=1}^{3} k", "finite sum, other value")
    pos(r, "385", "\\sum_{i=1}^{10} i^2", "finite sum of squares")
    neg(r, "384", "\\sum_{i=1}^{10} i^2", "finite sum of squares, off by one")
    pos(r, "120", "\\prod_{k=1}^{5} k", "finite product")
    neg(r, "24", "\\prod_{k=1}^{5} k", "finite product, one factor short")
    pos(r, "500000000500000000", "\\sum_{k=1}^{10^{9}} k", "long sum in closed form")
    neg(r, "500000000500000001", "\\sum_{k=1}^{10^{9}} k", "long sum, last digit differs")
    pos(
        r,
        "\\sum_{k=1}^{n} \\frac{1}{k^2}",
        "\\sum_{j=1}^{n} \\frac{1}{j^2}",
        "symbolic sum, renamed index",
    )
    neg(
        r,
        "\\sum_{k=1}^{n} \\frac{1}{k^2}",
        "\\sum_{j=0}^{n} \\frac{1}{j^2}",
        "symbolic sum, other bound",
    )
    pos(r, "\\int_0^1 x^3 dx", "\\frac14", "definite integral of a polynomial")
    neg(r, "\\int_0^1 x^3 dx", "\\frac13", "definite integral, other value")
    pos(
        r,
        "\\lim_{x \\to 0} \\frac{\\sin x}{x}",
        "\\lim_{t \\to 0} \\frac{\\sin t}{t}",
        "limit kept, renamed",
    )
    neg(
        r,
        "\\lim_{x \\to 0} \\frac{\\sin x}{x}",
        "\\lim_{x \\to \\infty} \\frac{\\sin x}{x}",
        "other point",
    )
    pos(r, "\\vec{a} - \\vec{b}", "-\\vec b + \\vec a", "named vectors")
    neg(r, "\\vec{a} - \\vec{b}", "\\vec b - \\vec a", "named vectors, reversed")
    pos(r, "1010_2", "10", "base-2 numeral")
    neg(r, "1010_2", "1010", "base-2 numeral is not its digits")
    pos(r, "0.0011_{2}", "\\frac{3}{16}", "base-2 fraction")
    neg(r, "0.0011_{2}", "0.0011", "base-2 fraction is not its digits")
    pos(r, "54", "204_5", "base-5 answer")
    neg(r, "54", "204_6", "other base")
    r = "16"
    pos(
        r,
        "\\begin{pmatrix} 4 \\\\ 6 \\end{pmatrix}",
        "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix} + \\begin{pmatrix} 3 \\\\ 4 \\end{pmatrix}",
        "matrix sum",
    )
    neg(
        r,
        "\\begin{pmatrix} 4 \\\\ 6 \\end{pmatrix}",
        "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix} - \\begin{pmatrix} 3 \\\\ 4 \\end{pmatrix}",
        "difference",
    )
    pos(
        r,
        "\\begin{pmatrix} 3 & 6 \\end{pmatrix}",
        "3\\begin{pmatrix} 1 & 2 \\end{pmatrix}",
        "scalar multiple",
    )
    neg(
        r,
        "\\begin{pmatrix} 3 & 6 \\end{pmatrix}",
        "2\\begin{pmatrix} 1 & 2 \\end{pmatrix}",
        "other scalar",
    )
    r = "13"  # ratios, functions, quantifiers, families
    pos(r, "2:3", "4:6", "ratio, proportional")
    neg(r, "2:3", "3:2", "ratio, reversed")
    pos(r, "2:3", "\\frac{2}{3}", "gold ratio equals its value")
    neg(r, "\\frac{2}{3}", "2:3", "gold number is not paid by a ratio")
    pos(r, "1:2:4", "3:6:12", "three-term ratio")
    neg(r, "1:2:4", "1:2:3", "three-term ratio, differs")
    neg(r, "10:30", "1:30", "ratio with a zero term compared exactly")
    pos(r, "a=1,b=4;a=3,b=0", "(3,0),(1,4)", "assignment groups are tuples")
    neg(r, "a=1,b=4;a=3,b=0", "(4,1),(0,3)", "assignment groups are ordered tuples")
    neg(r, "a=1,b=4;a=3,b=0", "(1,4)", "assignment groups: one missing")
    pos(r, "9", "9 \\pmod{11}", "a residue with its modulus")
    neg(r, "20", "9 \\pmod{11}", "a congruent number is not the written value")
    pos(r, "n \\equiv 3 \\pmod 7", "n \\equiv 10 \\pmod{7}", "congruences, same class")
    neg(r, "n \\equiv 3 \\pmod 7", "n \\equiv 3 \\pmod{5}", "congruences, other modulus")
    pos(r, "3:7", "3 \\colon 7", "ratio written with \\colon")
    neg(r, "3:7", "7 \\colon 3", "ratio written with \\colon, reversed")
    pos(
        r,
        "\\frac{\\pi}{5}+k\\pi",
        "\\frac{6\\pi}{5}+k\\pi, k=0,\\pm1,\\pm2,\\ldots",
        "enumerated k",
    )
    neg(
        r,
        "\\frac{\\pi}{5}+k\\pi",
        "\\frac{\\pi}{5}+2k\\pi, k=0,\\pm1,\\ldots",
        "enumerated k, period",
    )
    pos(r, "f(x)=3x-1", "f(x)=3x-1 \\text{ for all } x", "universal clause on a function")
    neg(r, "f(x)=3x-1", "f(x)=3x+1 \\quad \\forall x \\in \\mathbb{R}", "universal clause, other")
    pos(r, "\\mathbb{Z}^+", "\\mathbb{N}", "positive integers")
    neg(r, "\\mathbb{Z}^+", "\\mathbb{Z}", "positive integers are not all integers")
    pos(r, "5", "101_{(2)}", "base in parentheses")
    neg(r, "5", "101_{(3)}", "base in parentheses, other base")
    pos("14", "-1 < g(x) \\le 3", "(-1, 3]", "range of a function value as an interval")
    neg("14", "-1 < g(x) \\le 3", "[-1, 3]", "range of a function value, bracket differs")
    neg("14", "0 < xy < 1", "(0, 1)", "a product of two variables is not one quantity")
    pos("19", "\\frac{16}{3}", "\\int_0^4 \\sqrt{x} \\, dx", "integral of a root")
    neg("19", "\\frac{16}{3}", "\\int_0^4 \\sqrt[3]{x} \\, dx", "integral of another root")
    neg(r, "12:30", "6:15", "a time of day is not scaled")
    neg(r, "12:30", "\\frac{2}{5}", "a time of day is not a number")
    pos(r, "12:30", "12:30", "a time of day, same")
    neg(r, "(n-2)\\pi", "n\\pi", "a formula in n is not a family")
    pos(r, "\\frac{\\pi}{4}+k\\pi", "\\frac{5\\pi}{4}+n\\pi", "n beside a k family")
    pos(r, "V_1 : V_2 = 3 : 5", "6:10", "named ratio in the gold")
    neg(r, "V_1 : V_2 = 3 : 5", "5:3", "named ratio in the gold, reversed")
    pos(r, "f(x) = 2", "f(y) = 2", "constant function, renamed argument")
    neg(r, "f(x) = 2", "g(y) = 2", "other function name")
    pos(r, "f(x) = x^2 + 1", "f(t) = t^2 + 1", "argument is a bound variable")
    neg(r, "f(x) = x^2 + 1", "f(x) = x^3 + 1", "other function")
    neg(r, "f(x) = x^2 + 1", "f(t) = x^2 + 1", "constant in t is another function")
    pos(r, "f(n) = 2n, g(n) = n", "(f(n), g(n)) = (2n, n)", "tuple of functions")
    neg(r, "f(n) = 2n, g(n) = n", "(f(n), g(n)) = (n, 2n)", "tuple of functions, swapped")
    pos(
        r,
        "\\frac{\\pi}{3} + k\\pi \\text{ for } k \\in \\mathbb{Z}",
        "\\frac{\\pi}{3}+k\\pi",
        "quantifier",
    )
    neg(
        r,
        "\\frac{\\pi}{3} + k\\pi \\text{ for } k \\in \\mathbb{Z}",
        "\\frac{\\pi}{3}",
        "one member",
    )
    pos(
        r,
        "\\frac{\\pi}{3} + 2k\\pi, k \\in \\mathbb{Z}",
        "\\frac{7\\pi}{3} + 2n\\pi",
        "shifted family",
    )
    neg(
        r,
        "\\frac{\\pi}{3} + 2k\\pi, k \\in \\mathbb{Z}",
        "\\frac{4\\pi}{3} + 2n\\pi",
        "half-period shift",
    )
    pos(r, "-\\frac{\\pi}{6}+k\\pi", "\\frac{5\\pi}{6}+k\\pi", "same periodic set")
    neg(r, "-\\frac{\\pi}{6}+k\\pi", "\\frac{\\pi}{6}+k\\pi", "sign of the offset")
    neg(r, "\\frac{\\pi}{2}+2k\\pi", "\\frac{\\pi}{2}+k\\pi", "other period")
    pos(
        r,
        "x = \\frac{\\pi}{8} + \\frac{k\\pi}{2}",
        "x=\\frac{5\\pi}{8}+\\frac{k\\pi}{2} \\text{ where } k \\text{ is an integer}",
        "family with a worded quantifier",
    )
    neg(
        r,
        "3 + 4k, k \\in \\mathbb{Z}",
        "3 + 2k, k \\in \\mathbb{Z}",
        "declared family, other period",
    )
    pos(r, "3 + 4k, k \\in \\mathbb{Z}", "7 + 4k, k \\in \\mathbb{Z}", "declared family, shifted")
    neg(r, "3 + 4k", "7 + 4k", "undeclared, no pi: an expression in k")
    pos(r, "x_{1}=2,\\quadx_{2}=5", "2, 5", "\\quadx_{2} in the gold")
    neg(r, "x_{1}=2,\\quadx_{2}=5", "2, 6", "\\quadx_{2} in the gold, wrong root")
    pos(r, "AB = 6", "6", "gold names its quantity")
    neg(r, "AB = 6", "8", "gold names its quantity, other value")
    neg(r, "xy = 6", "6", "an equation with a product of variables is not a name")
    neg(r, "x = 1, y = 2", "2, 1", "values follow the names' order")
    pos(r, "\\frac{2}{3}", "\\frac{2}{3} \\approx 0.67", "approximation tail dropped")
    neg(r, "\\frac{2}{3}", "x \\approx 0.67", "approximate value only")

def main() -> None:
    for section in (
        extraction_rows,
        value_rows,
        exactness_rows,
        label_rows,
        formatting_rows,
        equation_rows,
        interval_rows,
        set_rows,
        matrix_rows,
        complex_rows,
        text_rows,
        calculator_rows,
        more_rows,
        more_negatives,
        value_form_rows,
        blind_rows,
        blind_rows_2,
        hostile_rows,
        real_output_rows,
    ):
        section()
    with OUT.open("w", encoding="utf-8") as fh:
        for row in ROWS:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    kinds = {k: sum(1 for r in ROWS if r["kind"] == k) for k in ("positive", "negative", "hostile")}
    print(f"wrote {len(ROWS)} rows to {OUT}: {kinds}")


if __name__ == "__main__":
    main()
