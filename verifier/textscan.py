"""Linear-time scanning of response text: brace pairs, math spans, sentence ends.

Everything here runs on raw model output in the service process (the pool extracts answers
there to build its cache keys), so every function is O(len(text)): braces are paired in one
pass, each math-span closer is searched for at most once per position (a failed search is
remembered: no closer after p means none after any q > p), and no regex can backtrack over
more than one run of characters. See grading-policy rules 2-4.
"""

from __future__ import annotations

import re

# Tokens the sentence scanner stops at. `\\(`, `\\[` open math spans; any other backslash pair
# is an escape (`\\$` is a dollar sign, `\\{` a literal brace); `$$`/`$` open TeX math.
_TOKEN_RE = re.compile(r"\\[(\[]|\\[^\n]|\$\$|\$|[\n.!?]")
_BRACE_TOKEN_RE = re.compile(r"\\.|[{}]", re.DOTALL)
_SPAN_CLOSERS = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}
# Words whose trailing period does not end a sentence ("e.g. 5" is not the end of "e.g").
_ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "eg", "ie", "approx", "vs", "cf", "fig", "resp", "al", "eq", "eqn", "dr", "mr",
     "mrs", "ms", "viz", "thm", "prop", "lem"}
)
_WORD_BEFORE_RE = re.compile(r"[A-Za-z](?:[A-Za-z.]{0,8})$")
# A `!` right after one of these is a factorial, part of the maths: `4! = 24`, `(n-1)!`.
_FACTORIAL_BEFORE = frozenset("0123456789)}]")
# After a factorial `!`, these continue the formula rather than start a new sentence.
_FORMULA_CONTINUES = frozenset("=+-*/^<>\\$(),;:.0123456789")


def brace_pairs(text: str) -> dict[int, int]:
    """Index of every `{` that is closed -> index of its `}` (`\\{`, `\\}` are not braces).

    One pass with a stack; a stray `}` is ignored; a `{` left open has no entry.
    """
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACE_TOKEN_RE.finditer(text):
        c = m.group()
        if c == "{":
            stack.append(m.start())
        elif c == "}" and stack:
            pairs[stack.pop()] = m.start()
    return pairs


class SpanScanner:
    """Finds math-span closers in one text, remembering failed searches (linear overall)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._no_closer_after: dict[str, int] = {}

    def span_end(self, opener: str, after: int) -> int:
        """Index just past the closer of the span whose opener ends at `after`, or -1.

        Inline `$...$` stays on one line, and `$5 and $10` (a digit right after both dollars) is
        money, not maths; display spans (`$$`, `\\[`, `\\(`) may cross lines.
        """
        closer = _SPAN_CLOSERS[opener]
        failed = self._no_closer_after.get(closer)
        if failed is not None and after >= failed:
            return -1
        close = self.text.find(closer, after)
        if close < 0:
            self._no_closer_after[closer] = after
            return -1
        if opener == "$":
            if self.text.find("\n", after, close) >= 0:
                return -1
            if _is_money(self.text, after, close):
                return -1
        return close + len(closer)


def _is_money(text: str, after: int, close: int) -> bool:
    nxt = text[close + 1 : close + 2]
    return text[after : after + 1].isdigit() and nxt.isdigit()


def _is_abbreviation(text: str, dot: int) -> bool:
    m = _WORD_BEFORE_RE.search(text, max(0, dot - 10), dot)
    if m is None:
        return False
    word = m.group().lower().lstrip(".")
    start = m.start()
    if start > 0 and text[start - 1].isalpha():
        return False  # only part of a longer word
    return word in _ABBREVIATIONS


def _next_visible(text: str, i: int, limit: int) -> str:
    """The first non-blank character at or after i on the same line ('' at the line's end)."""
    while i < limit:
        c = text[i]
        if c == "\n":
            return ""
        if not c.isspace():
            return c
        i += 1
    return ""


def sentence_end(text: str, i: int) -> int | None:
    """If the `.`, `!` or `?` at i ends a sentence: the end of the sentence's content, else None.

    A period ends a sentence only before whitespace or the end (`3.5` does not), and not after
    an abbreviation (`e.g.`). A `!` after a digit or closing bracket is a factorial: it belongs
    to the content (`4! = 24`), and it also ends the sentence only when nothing formula-like
    follows it on the line.
    """
    n = len(text)
    c = text[i]
    after = text[i + 1 : i + 2]
    if after and not after.isspace():
        return None
    if c == ".":
        return None if _is_abbreviation(text, i) else i
    if c == "!" and i > 0 and text[i - 1] in _FACTORIAL_BEFORE:
        nxt = _next_visible(text, i + 1, min(n, i + 64))
        if nxt and (nxt in _FORMULA_CONTINUES or nxt.islower()):
            return None
        return i + 1
    return i


def statement_end(text: str, start: int, scanner: SpanScanner | None = None) -> int:
    """End of a statement's value that starts at `start`: the first sentence end or line end
    outside math spans; a math span may run over several lines (display maths).
    """
    scanner = scanner or SpanScanner(text)
    pos = start
    while True:
        m = _TOKEN_RE.search(text, pos)
        if m is None:
            return len(text)
        tok = m.group()
        if tok in _SPAN_CLOSERS:
            end = scanner.span_end(tok, m.end())
            pos = end if end >= 0 else m.end()
            continue
        if tok == "\n":
            return m.start()
        if tok in ".!?":
            end = sentence_end(text, m.start())
            if end is not None:
                return end
        pos = m.end()


def final_sentence(text: str, scanner: SpanScanner | None = None) -> tuple[int, int]:
    """(start, end) of the last sentence of `text` that has any letter or digit in it.

    Sentences end at sentence punctuation and at line ends, never inside a math span.
    """
    scanner = scanner or SpanScanner(text)
    pos = 0
    start = 0
    last = (0, 0)
    n = len(text)
    while True:
        end = statement_end(text, pos, scanner)
        if _has_content(text, start, end):
            last = (start, end)
        if end >= n:
            return last
        # Skip the sentence's terminator (and a factorial's `!` already counted as content).
        pos = end + 1 if text[end] in ".!?\n" else end
        start = pos


def _has_content(text: str, start: int, end: int) -> bool:
    return any(c.isalnum() for c in text[start:end])


def math_spans(text: str, start: int, end: int, scanner: SpanScanner) -> list[tuple[int, int]]:
    """(content_start, content_end) of every math span that starts in text[start:end]."""
    spans: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        m = _TOKEN_RE.search(text, pos, end)
        if m is None:
            break
        tok = m.group()
        if tok in _SPAN_CLOSERS:
            close = scanner.span_end(tok, m.end())
            if close >= 0:
                spans.append((m.end(), close - len(_SPAN_CLOSERS[tok])))
                pos = close
                continue
        pos = m.end()
    return spans
