"""Rule 20: no response text is ever executed, and code is never an answer.

Run: .venv/bin/pytest tests/verifier/test_parse_safety.py -q

Proof without mocks: each payload would create a marker file (or evaluate to the gold) if any
part of the grader ran it. A process-wide audit hook (PEP 578) records every `compile`/`exec`
event and `os.system`/`subprocess.Popen` call while the payloads are graded; none of them may
carry the payload text. sympy compiles a few of its own constant strings on first use, which
is why the check looks for the payload's text rather than for no compile event at all.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from verifier.types import Verdict
from verifier.verify import verify

VERIFIER_DIR = Path(__file__).resolve().parents[2] / "verifier"
_EVENTS: list[tuple[str, str]] = []
_RECORDING: list[bool] = [False]


def _hook(event: str, args: tuple) -> None:
    if _RECORDING[0] and event in ("compile", "exec", "os.system", "subprocess.Popen", "os.exec"):
        _EVENTS.append((event, repr(args)[:2000]))


sys.addaudithook(_hook)  # cannot be removed; it records only while _RECORDING[0] is True


def _payloads(marker: Path) -> list[tuple[str, str]]:
    """(gold, answer) pairs; each answer writes `marker` or equals the gold if executed."""
    m = str(marker)
    return [
        ("0", f"__import__('os').system('touch {m}')"),
        ("0", f'__import__("os").system("touch {m}")'),
        ("None", f"open('{m}', 'w').write('x')"),
        ("4", "eval('2+2')"),
        ("4", "exec('a=4')"),
        ("4", "(lambda: 4)()"),
        ("4", "(lambda x: x)(4)"),
        ("1", "().__class__.__bases__[0].__subclasses__()"),
        ("2", "__import__('math').sqrt(4)"),
        ("10", "sum(range(5))"),
        ("0", f"import os; os.system('touch {m}')"),
        ("6", "getattr(__builtins__, 'eval')('6')"),
        ("0", f"os.system('touch {m}')"),
        ("3", "Integer(3)"),
        ("3", "S(3)"),
        ("x", "Symbol('x')"),
        ("3", "sympify('3')"),
        ("2", "compile('2', 's', 'eval')"),
        ("4", "2 if True else 3"),
        ("4", "[4][0]"),
        ("4", "{'a': 4}['a']"),
        ("0", f"subprocess.call(['touch', '{m}'])"),
        ("4", "int.__add__(2, 2)"),
        ("4", "`4`"),
    ]


def _graded(marker: Path) -> list[tuple[str, str, object]]:
    out = []
    for gold, code in _payloads(marker):
        for response in (f"\\boxed{{{code}}}", f"The answer is {code}", f"Answer: ${code}$"):
            out.append((code, gold, verify(response, gold)))
    return out


def test_payloads_never_run_and_never_pay(tmp_path: Path) -> None:
    marker = tmp_path / "pwned_marker"
    verify("\\boxed{x^2+1}", "(x+1)^2 - 2x")  # warm sympy's own lazy imports first
    _EVENTS.clear()
    _RECORDING[0] = True
    try:
        results = _graded(marker)
    finally:
        _RECORDING[0] = False
    assert not marker.exists()
    for code, _gold, result in results:
        assert not result.correct, (code, result)
        assert result.verdict in (Verdict.UNPARSEABLE, Verdict.INCORRECT), (code, result)
    shell = [e for e in _EVENTS if e[0] != "compile" and e[0] != "exec"]
    assert shell == []
    needles = ("pwned_marker", "__import__", "lambda", "__class__", "getattr", "sympify(", "range(")
    for event, args in _EVENTS:
        assert not any(n in args for n in needles), (event, args)


@pytest.mark.parametrize(
    "answer",
    [
        "__import__('os')",
        "lambda: 1",
        "eval(1)",
        "exec(1)",
        "open(1)",
        "().__class__",
        "os.system(1)",
    ],
)
def test_code_like_is_unparseable_with_reason(answer: str) -> None:
    result = verify(f"\\boxed{{{answer}}}", "1")
    assert result.verdict is Verdict.UNPARSEABLE
    assert "code" in result.reason or "not parseable" in result.reason


def _called_names(tree: ast.AST) -> set[str]:
    """Called names; `re.compile` is an attribute call on a module other than builtins/sympy."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute):
                owner = getattr(f.value, "id", "")
                names.add(f.attr if owner != "re" else f"re.{f.attr}")
            else:
                names.add(getattr(f, "id", ""))
    return names


def test_verifier_source_never_calls_string_evaluators() -> None:
    """Static guard: no module of the grader calls eval/exec/sympify/parse_expr/lambdify/S()."""
    banned = {"eval", "exec", "sympify", "parse_expr", "lambdify", "S", "parse_latex", "compile"}
    for path in sorted(VERIFIER_DIR.glob("*.py")):
        called = _called_names(ast.parse(path.read_text(encoding="utf-8")))
        assert not (called & banned), (path.name, called & banned)


def test_parsed_answers_are_never_reparsed_from_text() -> None:
    """A unique symbol name, pushed through every comparison path (simplify, sets, equations,
    matrices, numeric probes), never shows up in a compile/exec event: sympy never turns our
    expressions back into source text."""
    tag = "x_{zq9}"
    cases = [
        (f"({tag}+1)^2", f"{tag}^2+2{tag}+1"),
        (f"\\frac{{{tag}^2-1}}{{{tag}-1}}", f"{tag}+1"),
        (f"y = 2{tag}+1", f"2{tag}+1 = y"),
        (f"{tag} > 3", "(3, \\infty)"),
        (
            f"\\begin{{pmatrix}} {tag} & 1 \\end{{pmatrix}}",
            f"\\begin{{pmatrix}} {tag} & 1 \\end{{pmatrix}}",
        ),
        (f"\\sin^2 {tag} + \\cos^2 {tag}", "1"),
        (f"\\{{{tag}, 1\\}}", f"\\{{1, {tag}\\}}"),
        (f"sqrt({tag})*sqrt({tag})", f"{tag}"),
        (f"\\sum_{{k=1}}^{{3}} k {tag}", f"6{tag}"),  # bounded term-by-term evaluation
        (f"\\sum_{{k=1}}^{{n}} k {tag}", f"\\sum_{{j=1}}^{{n}} j {tag}"),  # structural
        (f"\\lim_{{t \\to 0}} {tag} t", f"\\lim_{{s \\to 0}} {tag} s"),
        ("\\frac{\\pi}{4} + k\\pi, k \\in \\mathbb{Z}", f"{tag}"),
        (f"f(t) = {tag} t", f"f(u) = {tag} u"),
        (f"{tag}:2", f"2{tag}:4"),
    ]
    verify("\\boxed{x^2+1}", "(x+1)^2 - 2x")
    _EVENTS.clear()
    _RECORDING[0] = True
    try:
        results = [verify(f"\\boxed{{{answer}}}", gold) for answer, gold in cases]
    finally:
        _RECORDING[0] = False
    assert all(r.verdict in (Verdict.CORRECT, Verdict.INCORRECT) for r in results), results
    assert sum(r.correct for r in results) >= 11, results
    for event, args in _EVENTS:
        assert "zq9" not in args, (event, args)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "answer",
    [
        "\\sum_{k=1}^{10^{9}} k^{k}",  # too many terms for term-by-term, not a polynomial
        "\\prod_{k=1}^{10^{9}} k",
        "\\sum_{k=1}^{10} 9^{9^{k}}",  # each term's size is checked when it is built
        "\\sum_{k=1}^{1000}\\sum_{j=1}^{1000}\\sum_{i=1}^{1000} i^{j^{k}}",
        "\\sum_{k=1}^{10^{5000}} k",  # the bound itself is refused (numeral too long)
        "\\sum_{k=1}^{10^{900}} k^{8}",
        "\\prod_{k=1}^{1000} (k!)!",
        "\\int_0^{10^{9000}} x^{99} dx",
        "\\lim_{x \\to 0}" * 150 + "x",
        "\\int_0^1 (x+1)^{9999} dx",  # never expanded
        "\\sum_{k=1}^{1000} (k+1)^{9999}",
    ],
)
def test_big_operators_give_bounded_verdicts(answer: str) -> None:
    """Rule 21 for the big operators: each answer gets a verdict (never CORRECT against 1, never a
    grader error) from the size checks, not from the worker's wall-clock budget."""
    result = verify(f"\\boxed{{{answer}}}", "1")
    assert not result.correct, result
    assert result.verdict in (Verdict.INCORRECT, Verdict.RESOURCE_LIMIT, Verdict.UNPARSEABLE)
    assert not result.reason.startswith("grader error"), result
