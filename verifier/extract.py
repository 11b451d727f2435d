"""Response text -> final-answer string (grading-policy rules 1-5), and which rule found it.

Pure string scanning, linear in the response length (see `verifier/textscan.py`): braces are
paired in one pass, nested boxes are unwrapped by index without re-scanning, and only the last
answer statement is scanned to its end. `extract_answer` also runs in the service process (the
pool's cache key), so a 64 KB adversarial response must cost milliseconds there, not seconds.

Strict rules (the default, for RL): the last `\\boxed{}`; else the last answer statement
("the answer is X", "Answer: X", GSM8K's `#### X`), X taken whole to the end of its sentence
or line. Lenient rules (`extraction="lenient"`, for evaluating instruct models) only run when
the strict rules find nothing; they live in `verifier/lenient.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifier import textscan
from verifier.types import VerifyOptions

DEFAULT_OPTIONS = VerifyOptions()

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
_BOX_RE = re.compile(r"\\(?:boxed|fbox)(?![a-zA-Z])")
_BARE_TOKEN_RE = re.compile(r"[^\s$]+")
# "the final answer is X", "the answer is X", "Answer: X" (rule 4), and GSM8K's `#### X`
# (exactly four hashes). The last statement in the answer region wins.
_STATEMENT_RE = re.compile(
    r"(?P<hash>(?<!#)####(?!#)[ \t]*)"
    r"|(?P<stmt>\b(?:the\s+)?(?:final\s+)?answer\s+is\s*:?|\bfinal\s+answer\**\s*:|\banswer\**\s*:)",
    re.IGNORECASE,
)
# `#### Step 2: ...` is a markdown heading, not GSM8K's final-answer mark.
_HEADING_WORD_RE = re.compile(r"[A-Za-z]{2}")
_COMMAND_RE = re.compile(r"\\[A-Za-z]+")
_HEADING_LOOKAHEAD = 200
# Words that may precede the single math span of a statement: "the answer is therefore $5$".
_FILLER_WORDS = frozenset(
    {"", "therefore", "thus", "hence", "so", "then", "simply", "just", "exactly", "indeed",
     "clearly", "given", "by", "as", "follows", "equal", "to", "equals", "of", "the", "value"}
)
_WORD_SPLIT_RE = re.compile(r"[\s,:*]+")
_FIRST_WORD_RE = re.compile(r"[A-Za-z]+")
# Words that start a reason after the answer: "$5$, since 2+3=5", "5 because ...".
_REASON_WORDS = frozenset(
    {"since", "because", "as", "which", "where", "when", "given", "so", "thus", "hence", "for",
     "i", "that", "this", "it", "we", "but"}
)
# A trailing parenthetical remark in words (no digits, a word of 3+ letters, not `(mod 5)`).
_REMARK_RE = re.compile(r"\s\((?=[^()]*[A-Za-z]{3})[^()\d\\$]*\)\s*$")
_MOD_RE = re.compile(r"\bmod\b|\bpmod\b", re.IGNORECASE)
_REASON_RE = re.compile(r"(?:,\s*|\s+)(?:since|because)\b|,\s*(?:which|where|as|so|given)\b",
                        re.IGNORECASE)
_MAX_STATEMENT_CHARS = 20_000  # a statement value longer than this is not one answer

# `Result.extracted_by` names (grading-policy rule 4): which rule produced the answer.
RULE_BOXED = "boxed"
RULE_STATEMENT = "answer_statement"
RULE_GSM8K = "gsm8k_hash"

UNCLOSED_BOX = "last \\boxed is never closed (truncated output?)"


@dataclass(frozen=True)
class Extraction:
    """The extracted answer (None when there is none), why, and the rule that produced it."""

    answer: str | None
    reason: str
    rule: str = ""  # one of the RULE_* names ("" when there is no answer)


def answer_region(response: str, options: VerifyOptions = DEFAULT_OPTIONS) -> str | None:
    """Rule 1: the text after the last `</think>`; None when thinking never finished.

    A `<think>` after the last `</think>` opens a block that never closes: no answer either.
    """
    close = response.rfind(THINK_CLOSE)
    if close >= 0:
        if options.require_think and response.find(THINK_OPEN, 0, close) < 0:
            return None
        region = response[close + len(THINK_CLOSE) :]
        return None if THINK_OPEN in region else region
    if THINK_OPEN in response or options.require_think:
        return None
    return response


def _box_range(text: str, after: int, end: int, pairs: dict[int, int]) -> tuple[int, int, int]:
    """(content start, content end, index after the box) of the box command ending at `after`.

    (-1, -1, -1) for an unclosed box. `\\boxed 5` (no braces) takes the next token.
    """
    i = after
    while i < end and text[i] in " \t":
        i += 1
    if i < end and text[i] == "{":
        close = pairs.get(i, -1)
        if close < 0 or close >= end:
            return -1, -1, -1
        return i + 1, close, close + 1
    if i == after and not text[i : i + 1].isalnum():
        return -1, -1, -1
    m = _BARE_TOKEN_RE.match(text, i, end)
    if m is None:
        return -1, -1, -1
    return m.start(), m.end(), m.end()


def last_box(region: str) -> Extraction | None:
    """Rules 2-3: content of the last top-level box; None when the region has no box."""
    m = _BOX_RE.search(region)
    if m is None:
        return None
    pairs = textscan.brace_pairs(region)
    n = len(region)
    found: tuple[int, int] | None = None
    while m is not None:
        start, stop, after = _box_range(region, m.end(), n, pairs)
        if start < 0:
            return Extraction(None, UNCLOSED_BOX)
        found = (start, stop)
        m = _BOX_RE.search(region, after)
    assert found is not None
    start, stop = _unwrap_boxes(region, found[0], found[1], pairs)
    return Extraction(region[start:stop], "last \\boxed{}", RULE_BOXED)


def _unwrap_boxes(text: str, start: int, stop: int, pairs: dict[int, int]) -> tuple[int, int]:
    """`\\boxed{\\boxed{x}}` is `x` (rule 2): peel whole-content boxes by index, in linear time.

    Returns the stripped (start, stop) of the innermost content.
    """
    while True:
        while start < stop and text[start].isspace():
            start += 1
        while stop > start and text[stop - 1].isspace():
            stop -= 1
        m = _BOX_RE.match(text, start, stop)
        if m is None:
            return start, stop
        inner_start, inner_stop, after = _box_range(text, m.end(), stop, pairs)
        if inner_start < 0 or after != stop:
            return start, stop
        start, stop = inner_start, inner_stop


def last_statement(region: str) -> Extraction | None:
    """Rule 4: X of the last answer statement, taken whole to the end of its sentence or line.

    None when the region has no statement; an Extraction without an answer when the last
    statement states nothing on its line.
    """
    found = None
    for m in _STATEMENT_RE.finditer(region):
        if m.group("hash") is not None and _is_heading(region, m.end()):
            continue
        found = m
    if found is None:
        return None
    rule = RULE_GSM8K if found.group("hash") is not None else RULE_STATEMENT
    value = statement_value(region, found.end())
    if value is None:
        return Extraction(None, "answer statement with nothing after it on its line")
    reason = "#### statement (GSM8K)" if rule == RULE_GSM8K else "answer statement"
    return Extraction(value, reason, rule)


def _is_heading(text: str, start: int) -> bool:
    """`#### Step 2: add`, `#### 1. Verification`: a markdown heading, not GSM8K's answer mark.

    GSM8K's line holds only the answer (`#### 18`, `#### -3.5`, `#### \\frac{1}{2}`): any word of
    two letters or more on it (outside a `\\command`) makes the line a heading. Only the first
    200 characters are looked at, so many marks on one line stay linear.
    """
    stop = text.find("\n", start, start + _HEADING_LOOKAHEAD)
    line = text[start : stop if stop >= 0 else start + _HEADING_LOOKAHEAD]
    return _HEADING_WORD_RE.search(_COMMAND_RE.sub("", line)) is not None


def statement_answer(region: str) -> str | None:
    """Rule 4's answer string alone (None when there is none)."""
    found = last_statement(region)
    return None if found is None else found.answer


def statement_value(
    text: str, start: int, scanner: textscan.SpanScanner | None = None
) -> str | None:
    """The value of a statement starting at `start`, up to the end of its sentence or line.

    See `clean_value` for what is kept of it.
    """
    scanner = scanner or textscan.SpanScanner(text)
    n = len(text)
    while start < n and text[start] in " \t*_":
        start += 1
    end = textscan.statement_end(text, start, scanner)
    if end - start > _MAX_STATEMENT_CHARS:
        return None
    return clean_value(text, start, end, scanner)


def clean_value(text: str, start: int, end: int, scanner: textscan.SpanScanner) -> str | None:
    """A statement's raw text[start:end] as an answer string.

    A value that begins with a math span (after filler words such as "therefore") is that
    span's content when what follows it is a label or a reason (`$12$ square units`,
    `$5$, since $2+3=5$`); a value with more maths after the span (`$2$ or $3$`, a hedge) is
    kept whole with its math delimiters removed (`2 or 3`, never `2`). A value without spans
    is cut before a trailing reason (`5, since 2+3=5` -> `5`).
    """
    spans = textscan.math_spans(text, start, end, scanner)
    if not spans:
        return _strip_value(_cut_reason(text[start:end]))
    first_start, first_end = spans[0]
    width = _opener_len(text, first_start)
    before = text[start : first_start - width]
    words = {w.lower() for w in _WORD_SPLIT_RE.split(before)}
    after = text[min(end, first_end + width) : end]
    if words <= _FILLER_WORDS and _only_label_or_reason(after, len(spans) > 1):
        return _strip_value(text[first_start:first_end])
    pieces = []
    pos = start
    for s, e in spans:
        width = _opener_len(text, s)
        pieces.append(text[pos : s - width])
        pieces.append(text[s:e])
        pos = min(end, e + width)
    pieces.append(text[pos:end])
    return _strip_value("".join(pieces))


def _only_label_or_reason(after: str, more_maths: bool) -> bool:
    """Whether the text after a statement's first math span adds nothing to the answer."""
    rest = after.strip()
    if not rest:
        return True
    if rest[0] in ",;":
        rest = rest[1:].lstrip()
        return _first_word(rest) in _REASON_WORDS
    word = _first_word(rest)
    if word in _REASON_WORDS:
        return True
    if not word or not rest[0].isalpha():
        return False  # more maths (`$2$ + 1`)
    # A label (`$12$ cm`) or a remark; but `$2$ or $3$`, `$2$ and 3` are hedges or lists.
    return not more_maths and not any(c.isdigit() for c in rest)


def _first_word(text: str) -> str:
    m = _FIRST_WORD_RE.match(text)
    return m.group().lower() if m else ""


def _cut_reason(value: str) -> str:
    """`5, since 2+3=5` -> `5`; `12 (rounded to the nearest unit)` -> `12`."""
    m = _REASON_RE.search(value)
    value = value[: m.start()] if m else value
    m = _REMARK_RE.search(value)
    if m is not None and not _MOD_RE.search(m.group()) and value[: m.start()].strip():
        value = value[: m.start()]
    return value


def _strip_value(value: str) -> str | None:
    value = value.strip().strip("*_").strip()
    return value or None


def _opener_len(text: str, content_start: int) -> int:
    """Length of the math delimiter that ends at content_start (`$$` 2, `$` 1, `\\(` 2)."""
    if text[max(0, content_start - 2) : content_start] in ("$$", "\\(", "\\["):
        return 2
    return 1


def extract_strict(region: str) -> Extraction:
    """Rules 2-4 on an answer region."""
    boxed = last_box(region)
    if boxed is not None:
        return boxed
    stated = last_statement(region)
    if stated is not None:
        return stated
    return Extraction(None, "no \\boxed{} and no 'the answer is' statement")


def extract(response: str, options: VerifyOptions = DEFAULT_OPTIONS) -> Extraction:
    """The final answer of a response, with the reason and rule (rules 1-4)."""
    region = answer_region(response, options)
    if region is None:
        if options.require_think and THINK_CLOSE in response:
            return Extraction(None, "require_think: <think> missing before </think>")
        if options.require_think and THINK_OPEN not in response:
            return Extraction(None, "require_think: no <think>...</think>")
        return Extraction(None, "unfinished <think> (no </think>)")
    found = extract_strict(region)
    if found.answer is not None or options.extraction != "lenient" or _truncated(found):
        return found
    from verifier.lenient import extract_lenient  # the lenient rules build on this module

    lenient = extract_lenient(region)
    return lenient if lenient is not None else found


def _truncated(found: Extraction) -> bool:
    """An unclosed last box is truncated output: no rule, strict or lenient, reads past it."""
    return found.reason == UNCLOSED_BOX


def extract_answer(response: str, options: VerifyOptions = DEFAULT_OPTIONS) -> str | None:
    """The final answer string of a response, or None (grading-policy rules 1-4)."""
    return extract(response, options).answer


_GOLD_WRAPPERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))


def strip_gold(gold: str) -> str:
    """Rule 5: remove `$..$`, `\\(..\\)`, `\\[..\\]`, `\\boxed{..}` and whitespace from the gold."""
    s = gold.strip()
    for _ in range(8):
        s = s.rstrip(".").strip()
        before = s
        for left, right in _GOLD_WRAPPERS:
            if len(s) >= len(left) + len(right) and s.startswith(left) and s.endswith(right):
                s = s[len(left) : len(s) - len(right)].strip()
        m = _BOX_RE.match(s)
        if m is not None:
            start, stop, after = _box_range(s, m.end(), len(s), textscan.brace_pairs(s))
            if start >= 0 and not s[after:].strip():
                s = s[start:stop].strip()
        if s == before:
            break
    return s
