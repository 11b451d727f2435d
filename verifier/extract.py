"""Response text -> final-answer string (GRADING.md rules 1-5).

Pure string scanning, linear in the response length: no regex backtracking on model text
beyond simple anchored patterns, no maths. `extract_answer` is also used by the PRM step
splitter and by the pool's cache key, so it must stay cheap and deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifier.types import VerifyOptions

DEFAULT_OPTIONS = VerifyOptions()

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
_BOX_RE = re.compile(r"\\(?:boxed|fbox)(?![a-zA-Z])")
# "the final answer is X", "the answer is X", "Answer: X" (rule 4); the last one wins.
_STATEMENT_RE = re.compile(
    r"(?:\b(?:the\s+)?(?:final\s+)?answer\s+is\s*:?|\bfinal\s+answer\**\s*:|\banswer\**\s*:)",
    re.IGNORECASE,
)
# End of a sentence: a period/!/? followed by whitespace or the end (not a decimal point).
_SENTENCE_END_RE = re.compile(r"[.!?](?=\s|$)")


@dataclass(frozen=True)
class Extraction:
    """The extracted answer (None when there is none) and why."""

    answer: str | None
    reason: str


def answer_region(response: str, options: VerifyOptions = DEFAULT_OPTIONS) -> str | None:
    """Rule 1: the text after the last `</think>`; None when thinking never finished.

    A `<think>` after the last `</think>` opens a block that never closes: no answer either.
    """
    close = response.rfind(THINK_CLOSE)
    if close >= 0:
        if options.require_think and THINK_OPEN not in response[:close]:
            return None
        region = response[close + len(THINK_CLOSE) :]
        return None if THINK_OPEN in region else region
    if THINK_OPEN in response or options.require_think:
        return None
    return response


def _match_brace(text: str, open_idx: int) -> int:
    """Index of the `}` closing the `{` at open_idx, or -1 if never closed. `\\{`/`\\}` skipped."""
    depth = 0
    i = open_idx
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _box_content(text: str, start: int) -> tuple[str | None, int]:
    """Content of the box whose command ends at `start`, and the index after it.

    Returns (None, -1) for an unclosed box. `\\boxed 5` (no braces) takes the next token.
    """
    i = start
    while i < len(text) and text[i] in " \t":
        i += 1
    if i < len(text) and text[i] == "{":
        end = _match_brace(text, i)
        if end < 0:
            return None, -1
        return text[i + 1 : end], end + 1
    m = re.compile(r"[^\s$]+").match(text, i)
    if m is None or start == i and not text[i:i + 1].isalnum():
        return None, -1
    return m.group(0), m.end()


def last_box(region: str) -> Extraction | None:
    """Rules 2-3: content of the last top-level box; None when the region has no box."""
    pos = 0
    found: str | None = None
    any_box = False
    while True:
        m = _BOX_RE.search(region, pos)
        if m is None:
            break
        any_box = True
        content, after = _box_content(region, m.end())
        if content is None:
            return Extraction(None, "last \\boxed is never closed (truncated output?)")
        found = content
        pos = after
    if not any_box:
        return None
    assert found is not None
    return Extraction(_unwrap_boxes(found), "last \\boxed{}")


def _unwrap_boxes(content: str) -> str:
    """`\\boxed{\\boxed{x}}` is `x` (rule 2)."""
    while True:
        s = content.strip()
        m = _BOX_RE.match(s)
        if m is None:
            return s
        inner, after = _box_content(s, m.end())
        if inner is None or s[after:].strip():
            return s
        content = inner


def statement_answer(region: str) -> str | None:
    """Rule 4: X of the last 'the answer is X' / 'Answer: X', up to the end of sentence/line."""
    matches = list(_STATEMENT_RE.finditer(region))
    if not matches:
        return None
    rest = region[matches[-1].end() :]
    line = rest.lstrip(" \t*").split("\n", 1)[0]
    line = line.strip().strip("*").strip()
    if line.startswith("$"):
        close = line.find("$", 1 if not line.startswith("$$") else 2)
        if close > 0:
            return line.strip("$").split("$", 1)[0].strip() or None
    end = _SENTENCE_END_RE.search(line)
    if end is not None:
        line = line[: end.start()]
    line = line.strip().strip("*").strip()
    return line or None


def extract(response: str, options: VerifyOptions = DEFAULT_OPTIONS) -> Extraction:
    """The final answer of a response, with the reason (rules 1-4)."""
    region = answer_region(response, options)
    if region is None:
        if options.require_think and THINK_CLOSE in response:
            return Extraction(None, "require_think: <think> missing before </think>")
        if options.require_think and THINK_OPEN not in response:
            return Extraction(None, "require_think: no <think>...</think>")
        return Extraction(None, "unfinished <think> (no </think>)")
    boxed = last_box(region)
    if boxed is not None:
        return boxed
    stated = statement_answer(region)
    if stated is not None:
        return Extraction(stated, "answer statement")
    return Extraction(None, "no \\boxed{} and no 'the answer is' statement")


def extract_answer(response: str, options: VerifyOptions = DEFAULT_OPTIONS) -> str | None:
    """The final answer string of a response, or None (GRADING.md rules 1-4)."""
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
            inner, after = _box_content(s, m.end())
            if inner is not None and not s[after:].strip():
                s = inner.strip()
        if s == before:
            break
    return s
