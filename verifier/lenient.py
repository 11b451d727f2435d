"""Lenient extraction (grading-policy rule 4, option `extraction="lenient"`): for evaluating
instruct models, never the default for RL.

Runs only when the strict rules (`verifier/extract.py`) find no answer, and tries, in order:
1. "Final answer" / "Answer" with or without a colon (a heading such as `**Final Answer**`,
   or "the answer is:"), the value on the same line or the next non-blank line;
2. the last math span (`$..$`, `$$..$$`, `\\(..\\)`, `\\[..\\]`) of the final sentence;
3. the last number of the final sentence, unless it is part of a formula or of a list/hedge.
The comparison stays exact. `drop_assignment` lets `f(1) = 23` or `AB = 4` stand for `23` / `4`
when the gold is not an equation. Everything is linear in the text (see `verifier/textscan.py`).
"""

from __future__ import annotations

import re

from verifier import textscan
from verifier.extract import Extraction, statement_value

RULE_FINAL_ANSWER = "lenient_final_answer"
RULE_MATH_SPAN = "lenient_math_span"
RULE_LAST_NUMBER = "lenient_last_number"

# A heading-like "Final Answer" at the start of a line (markdown allowed), "the answer is",
# or "answer:" anywhere; the value follows on the same line or the next non-blank one.
_ANSWER_MARK_RE = re.compile(
    r"^[ \t>#*_-]*(?:the[ \t]+)?(?:final[ \t]+)?answer\b"
    r"(?:[ \t]*[*_#]+[ \t]*|[ \t]*[:.\u2013\u2014-][ \t*_]*|[ \t]*$|[ \t]+(?=[$\\\d(-]))"
    r"|\b(?:the\s+)?(?:final\s+)?answer\s+is\b[ \t*_]*:?"
    r"|\b(?:final\s+)?answer[ \t*_]*:",
    re.IGNORECASE | re.MULTILINE,
)
_NUMBER_RE = re.compile(r"(?<![\w.^_/\\])-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?(?![\w^_])")
# A number right next to one of these is part of a formula (`x^2 + 1`), not the answer.
_FORMULA_NEIGHBOURS = frozenset("+*/^=:<>\u00d7\u00b7-")
_UNIT_EXPONENT_RE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{1,3}\^\{?$")  # `cm^`, `m^{`
_FORMULA_AFTER = _FORMULA_NEIGHBOURS | {"!"}  # `4!` is a factorial, not the number 4
# "2, 3", "2 and 3", "2 or 3": a list or a hedge, never its last element.
_LIST_TAIL_RE = re.compile(r"\d[\s$]*(?:,|\band\b|\bor\b)[\s$]*$", re.IGNORECASE)
_RELATION_RE = re.compile(r"<|>|\\(?:le|ge|leq|geq|ne|neq|approx|sim|equiv|lt|gt)(?![a-zA-Z])")
_COMMAND_RE = re.compile(r"\\[a-zA-Z]+")
_WORD_RE = re.compile(r"[A-Za-z]{2,}")
_MAX_ANSWER_WORDS = 4  # "12 square units" is an answer; "To find the total we add" is not
_OPEN, _CLOSE = "([{", ")]}"


def extract_lenient(region: str) -> Extraction | None:
    """The lenient rules, in order, on an answer region where the strict rules found nothing."""
    scanner = textscan.SpanScanner(region)
    value = _final_answer(region, scanner)
    if value is not None:
        return Extraction(value, "lenient: 'final answer' statement", RULE_FINAL_ANSWER)
    start, end = textscan.final_sentence(region, scanner)
    spans = textscan.math_spans(region, start, end, scanner)
    for s, e in reversed(spans):
        content = region[s:e].strip().rstrip(".,;").strip()
        if content:
            return Extraction(content, "lenient: last math span of the final sentence",
                              RULE_MATH_SPAN)
    number = _last_number(region, start, end)
    if number is not None:
        return Extraction(number, "lenient: last number of the final sentence", RULE_LAST_NUMBER)
    return None


def _final_answer(region: str, scanner: textscan.SpanScanner) -> str | None:
    """The value after the last "Final answer" mark that has one; None when that value is
    prose (`## Answer` followed by "To find the total we ...": the later rules read on).
    """
    marks = list(_ANSWER_MARK_RE.finditer(region))
    for m in reversed(marks):
        value = statement_value(region, _value_start(region, m.end()), scanner)
        if value is not None:
            return None if _is_prose(value) else value
    return None


def _is_prose(value: str) -> bool:
    return len(_WORD_RE.findall(_COMMAND_RE.sub("", value))) > _MAX_ANSWER_WORDS


def _value_start(text: str, i: int) -> int:
    """Where the value begins: after the mark on its line, else on the next non-blank line."""
    n = len(text)
    j = i
    while j < n and text[j] in " \t*_":
        j += 1
    if j < n and text[j] != "\n" and text[j] != "\r":
        return j
    while j < n and text[j].isspace():
        j += 1
    return j


def _last_number(text: str, start: int, end: int) -> str | None:
    numbers = list(_NUMBER_RE.finditer(text, start, end))
    # `36 cm^2`: the exponent of a unit is not the answer; the number before it may be.
    while numbers:
        at = numbers[-1].start()
        if not _UNIT_EXPONENT_RE.search(text, max(start, at - 6), at):  # a short window: linear
            break
        numbers.pop()
    if not numbers:
        return None
    last = numbers[-1]
    # Markdown bold around the number (`**18**`) is not maths.
    before = text[start : last.start()].rstrip().removesuffix("**").rstrip()
    after = text[last.end() : end].lstrip().removeprefix("**").lstrip()
    # `= 7` at the end is a result (`3 + 4 = 7`) and `A: 7` a label; `1:2` is a ratio and
    # anything else next to the number makes it part of a formula.
    if before and before[-1] in _FORMULA_NEIGHBOURS and before[-1] != "=":
        if before[-1] != ":" or before[:-1].rstrip()[-1:].isdigit():
            return None
    if after and after[0] in _FORMULA_AFTER:
        return None
    if _LIST_TAIL_RE.search(before[-40:]):
        return None
    return last.group()


def drop_assignment(answer: str) -> str:
    """`f(1) = 23` -> `23`, `AB = 4` -> `4`: a leading assignment to a function value or an
    expression (one top-level `=`, a letter on the left, no other relation). Lenient only; the
    caller uses it when the gold is not itself an equation.
    """
    if "=" not in answer or _RELATION_RE.search(answer):
        return answer
    depth = 0
    at = -1
    for i, c in enumerate(answer):
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
        elif c == "=" and depth == 0:
            if at >= 0:
                return answer  # a chain `a = b = c`: leave it to the comparison
            at = i
    if at <= 0:
        return answer
    left = answer[:at].rstrip(":!")
    right = answer[at + 1 :].strip()
    if answer[at - 1] == "!" or not right:
        return answer  # `!=` is not an assignment
    if not re.search(r"[A-Za-z]", _COMMAND_RE.sub("", left)) and "\\text" not in left:
        return answer
    return right
