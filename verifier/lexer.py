"""Whitelist tokenizer for normalized answer strings (grading-policy rule 20).

Only characters and commands on explicit lists become tokens; anything else (quotes,
backticks, `@`, `#`, unknown commands) makes the answer UNPARSEABLE. Numbers are kept as
their digit strings and turned into exact rationals by the parser, never through float.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifier.errors import ParseError, ResourceLimitError

MAX_DIGITS = 1000  # one numeral; bigger ones are refused (rule 21)

# Multi-letter names understood in calculator syntax (rule 19) and as bare words.
FUNCTION_WORDS = frozenset(
    "sqrt exp log ln sin cos tan sec csc cot arcsin arccos arctan asin acos atan sinh cosh "
    "tanh abs".split()
)
CONSTANT_WORDS = frozenset({"pi", "infty", "infinity", "inf", "oo"})
CONNECTIVE_WORDS = frozenset({"or", "and"})

_NUM_RE = re.compile(r"(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+)(?![a-zA-Z]))?")
# Repeating digits: 0.\overline{3}, 0.\overline3, 0.(3) (written right after the decimals).
_OVERLINE_RE = re.compile(r"\\overline\s*\{\s*(\d+)\s*\}|\\overline\s*(\d)|\((\d+)\)")
_CMD_RE = re.compile(r"\\([a-zA-Z]+)")
_WORD_RE = re.compile(r"[a-zA-Z]+")
_OPS2 = ("<=", ">=", "!=", "**", "\\{", "\\}", "\\\\", "\\|", "==")
_OPS1 = set("+-*/^_()[]{},=<>!|;:&")


@dataclass(frozen=True)
class Token:
    """kind: NUM, CMD, LETTER, WORD, OP. `text` is the digits/name/char; `space` = blank before."""

    kind: str
    text: str
    space: bool = False
    exp: str = ""  # NUM: scientific exponent digits ("" = none)
    repeat: str = ""  # NUM: repeating digits from \overline ("" = none)


def _number(s: str, i: int, space: bool) -> tuple[Token, int]:
    m = _NUM_RE.match(s, i)
    assert m is not None
    digits = m.group(1)
    if sum(c.isdigit() for c in digits) > MAX_DIGITS:
        raise ResourceLimitError(f"numeral with more than {MAX_DIGITS} digits")
    exp = m.group(2) or ""
    if len(exp.lstrip("+-")) > 6:
        raise ResourceLimitError("scientific exponent too large")
    j = m.end()
    repeat = ""
    if "." in digits and not exp:
        r = _OVERLINE_RE.match(s, j)
        if r is not None:
            repeat = r.group(1) or r.group(2) or r.group(3)
            j = r.end()
    return Token("NUM", digits, space, exp, repeat), j


def tokenize(s: str) -> list[Token]:
    """Split a normalized answer into whitelisted tokens; raise ParseError on anything else."""
    out: list[Token] = []
    i, n = 0, len(s)
    space = False
    while i < n:
        c = s[i]
        if c.isspace():
            space = True
            i += 1
            continue
        if c.isdigit() or (c == "." and i + 1 < n and s[i + 1].isdigit()):
            tok, i = _number(s, i, space)
            out.append(tok)
        elif c == "\\" and s.startswith(_OPS2, i) and s[i : i + 2] in _OPS2:
            out.append(Token("OP", s[i : i + 2], space))
            i += 2
        elif c == "\\":
            m = _CMD_RE.match(s, i)
            if m is None:
                raise ParseError(f"unsupported control sequence at {s[i:i + 2]!r}")
            out.append(Token("CMD", m.group(1), space))
            i = m.end()
        elif c.isascii() and c.isalpha():
            m = _WORD_RE.match(s, i)
            assert m is not None
            out.extend(_word_tokens(m.group(0), space))
            i = m.end()
        elif s.startswith(_OPS2, i) and s[i : i + 2] in _OPS2:
            out.append(Token("OP", s[i : i + 2], space))
            i += 2
        elif c in _OPS1:
            out.append(Token("OP", c, space))
            i += 1
        else:
            raise ParseError(f"character not allowed in an answer: {c!r}")
        space = False
    return out


def _word_tokens(word: str, space: bool) -> list[Token]:
    """`sqrt` -> WORD; `xy` -> LETTER x, LETTER y; unknown long words stay WORD (text)."""
    low = word.lower()
    if low in FUNCTION_WORDS or low in CONSTANT_WORDS or low in CONNECTIVE_WORDS:
        return [Token("WORD", low, space)]
    if len(word) <= 2:
        return [Token("LETTER", ch, space and k == 0) for k, ch in enumerate(word)]
    return [Token("WORD", word, space)]
