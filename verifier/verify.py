"""verify(response, gold, options) -> Result: the outcome grader (docs/grading-policy.md).

Pipeline: extract (rules 1-5) -> pre-checks (rules 20-21) -> fast exact-rational path for
plain numbers -> normalize -> parse (whitelist, no eval) -> compare (rules 6-19). Pure and
in-process; the worker pool (pool.py) adds the wall-clock budget.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from functools import lru_cache
from typing import Any

import sympy as sp

from verifier import limits
from verifier.compare import equal
from verifier.errors import (
    OUT_OF_MEMORY,
    CodeLikeError,
    ParseError,
    ResourceLimitError,
    UndefinedError,
)
from verifier.extract import extract, strip_gold
from verifier.lenient import drop_assignment
from verifier.nodes import Assign, Choice, NamedSet, Text
from verifier.normalize import Normalized, normalize
from verifier.parse import parse_normalized
from verifier.plain import fast_compare as _fast_compare  # shared with the pool
from verifier.types import Result, Verdict, VerifyOptions

DEFAULT_OPTIONS = VerifyOptions()

_LETTERS_RE = re.compile(r"^[A-Za-z]{2,}(?: [A-Za-z]+)*$")
_SHORT_WORDS = frozenset({"no", "yes", "ok", "none", "true", "false"})
_ALL_REALS = frozenset({"all real numbers", "all reals", "all real values", "all real x"})
_CHOICE_RE = re.compile(r"^\(?\s*([A-J])\s*\)?\.?$|^\(([a-j])\)$")
# `(C) 12`: a choice letter with its option's value; one letter, no hedging ("or", more letters)
_CHOICE_WITH_VALUE_RE = re.compile(r"^\(([A-J])\)\s*([^()]*)$")


def verify(response: str, gold: str, options: VerifyOptions = DEFAULT_OPTIONS) -> Result:
    """Grade one response against its gold answer. Never raises for bad input."""
    start = time.perf_counter()
    try:
        result = _verify(response, gold, options)
    except RecursionError:
        result = Result(Verdict.RESOURCE_LIMIT, reason="answer nested too deeply")
    except OUT_OF_MEMORY:  # the worker's RLIMIT_AS at work: a resource verdict, not a grader bug
        result = Result(Verdict.RESOURCE_LIMIT, reason="worker memory limit exceeded")
    except Exception as exc:  # noqa: BLE001 - one bad item must never raise (rule 22)
        result = Result(Verdict.UNPARSEABLE, reason=f"grader error: {type(exc).__name__}")
    return replace(result, elapsed_s=time.perf_counter() - start)


def _verify(response: Any, gold: Any, options: VerifyOptions | None) -> Result:
    options = options or DEFAULT_OPTIONS
    if isinstance(gold, int | float) and not isinstance(gold, bool):
        gold = repr(gold)  # data sets that store the gold as a JSON number
    if not isinstance(response, str) or not isinstance(gold, str):
        return Result(Verdict.UNPARSEABLE, reason="response and gold must be strings")
    if len(response) > limits.LIMITS.max_response_chars:
        return Result(Verdict.RESOURCE_LIMIT, reason="response too long")
    ex = extract(response, options)
    if ex.answer is None:
        return Result(Verdict.NO_ANSWER, reason=ex.reason)
    return replace(_grade_extracted(ex.answer, gold, options), extracted_by=ex.rule)


def _grade_extracted(extracted: str, gold: str, options: VerifyOptions) -> Result:
    answer = strip_gold(extracted)
    if not answer:
        return Result(Verdict.NO_ANSWER, reason="empty answer", extracted=extracted)
    try:
        limits.check_text(answer)
        limits.check_code_like(answer)
    except ResourceLimitError as exc:
        return Result(Verdict.RESOURCE_LIMIT, reason=str(exc), extracted=_clip(answer))
    except CodeLikeError as exc:
        return Result(Verdict.UNPARSEABLE, reason=str(exc), extracted=_clip(answer))
    try:
        limits.check_text(gold)
    except ResourceLimitError as exc:
        return Result(Verdict.RESOURCE_LIMIT, reason=f"gold: {exc}", extracted=answer)
    gold_s = strip_gold(gold)
    if not gold_s:
        return Result(Verdict.UNPARSEABLE, reason="empty gold answer", extracted=answer)
    if options.extraction == "lenient" and "=" not in gold_s:
        compared = drop_assignment(answer)
        if compared != answer:  # lenient: `f(1) = 23` stands for `23` (grading-policy rule 4)
            result = _compare(gold_s, compared, options)
            if result.correct:
                note = f"{result.reason}; lenient: compared the value after the leading '='"
                return replace(result, reason=note, extracted=answer)
    return _compare(gold_s, answer, options)


def _compare(gold_s: str, answer: str, options: VerifyOptions) -> Result:
    fast = _fast_compare(gold_s, answer, options)
    if fast is not None:
        return Result(fast, reason="exact rational comparison", extracted=answer)
    return _grade(gold_s, answer, options)


def _clip(answer: str, keep: int = 200) -> str:
    """A refused answer is echoed back shortened (a 50 KB answer is not sent back whole)."""
    return answer if len(answer) <= keep else answer[:keep] + f"... ({len(answer)} chars)"


@lru_cache(maxsize=4096)
def _parse_gold(gold: str) -> tuple[Any, Normalized]:
    norm = normalize(gold)
    return parse_answer(norm.text, norm.text_wrapped), norm


def parse_answer(text: str, text_wrapped: bool = False) -> Any:
    """Typed answer object of a normalized answer string: choice letter, text or maths.

    Letters only are text (not a product of symbols) when the answer was written as
    `\\text{...}` or is a short yes/no word: `\\text{No}` = `no`, but `xy` is x*y.
    """
    m = _CHOICE_RE.match(text) or _CHOICE_WITH_VALUE_RE.match(text)
    if m is not None and not re.search(r"\b(?:or|and)\b|,", text):
        return Choice((m.group(1) or m.group(2)).upper())
    if _LETTERS_RE.match(text) and (text_wrapped or text.lower() in _SHORT_WORDS):
        words = " ".join(text.lower().split())
        return NamedSet("reals") if words in _ALL_REALS else Text(words)
    return parse_normalized(text)


def _text_key(s: str) -> str:
    return re.sub(r"[\s{}.]+", "", s.lower())


def _grade(gold: str, answer: str, options: VerifyOptions) -> Result:
    try:
        gold_obj, gold_norm = _parse_gold(gold)
    except (UndefinedError, ResourceLimitError) as exc:
        return Result(Verdict.UNPARSEABLE, reason=f"gold not usable: {exc}", extracted=answer)
    except ParseError as exc:
        # An unreadable gold is compared as text: only an identical answer is paid.
        same = _text_key(normalize(answer).text) == _text_key(normalize(gold).text)
        verdict = Verdict.CORRECT if same else Verdict.INCORRECT
        reason = f"gold not parseable ({exc}); compared as text"
        return Result(verdict, reason=reason, extracted=answer)
    ans_norm = normalize(answer)
    try:
        ans_obj = parse_answer(ans_norm.text, ans_norm.text_wrapped)
    except ResourceLimitError as exc:
        return Result(Verdict.RESOURCE_LIMIT, reason=str(exc), extracted=answer)
    except ParseError as exc:
        if isinstance(gold_obj, Text) and _text_key(ans_norm.text) == _text_key(gold_norm.text):
            return Result(Verdict.CORRECT, reason="same text", extracted=answer)
        return Result(Verdict.UNPARSEABLE, reason=f"answer not parseable: {exc}", extracted=answer)
    if _undefined(ans_obj):
        reason = "answer is undefined (division by zero?)"
        return Result(Verdict.INCORRECT, reason=reason, extracted=answer)
    if equal(gold_obj, ans_obj, options.rel_tol):
        return Result(Verdict.CORRECT, reason=f"equal ({_kind(gold_obj)})", extracted=answer)
    if options.percent_as_fraction and _percent_match(
        gold_obj, gold_norm, ans_obj, ans_norm, options
    ):
        reason = "equal as percent/fraction (option)"
        return Result(Verdict.CORRECT, reason=reason, extracted=answer)
    return Result(Verdict.INCORRECT, reason=f"not equal ({_kind(gold_obj)})", extracted=answer)


def _percent_match(g: Any, gn: Normalized, a: Any, an: Normalized, options: VerifyOptions) -> bool:
    """percent_as_fraction: `50\\%` == `0.5` (either side may carry the percent)."""
    if gn.percent == an.percent or not (isinstance(g, sp.Expr) and isinstance(a, sp.Expr)):
        return False
    g2 = g / 100 if gn.percent else g
    a2 = a / 100 if an.percent else a
    return equal(g2, a2, options.rel_tol)


def _undefined(obj: Any) -> bool:
    if isinstance(obj, sp.Basic):
        return obj.has(sp.zoo, sp.nan)
    if isinstance(obj, Assign):
        return _undefined(obj.value)
    for attr in ("items", "exprs"):
        if hasattr(obj, attr):
            return any(_undefined(i) for i in getattr(obj, attr))
    if hasattr(obj, "rows"):
        return any(_undefined(i) for row in obj.rows for i in row)
    return False


def _kind(obj: Any) -> str:
    return type(obj).__name__ if not isinstance(obj, sp.Basic) else "expression"
