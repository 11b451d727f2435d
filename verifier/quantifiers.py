"""Trailing quantifiers of solution families (grading-policy rule 13).

`\\frac{\\pi}{4} + k\\pi \\text{ for } k \\in \\mathbb{Z}`, `..., k \\in \\mathbb{Z}`,
`..., where k is an integer`, `... for any integer k`: the clause belongs to the answer. It is
removed from the token list before parsing and returned as the name of the integer parameter;
the parser then marks the items that use it as `Family` (a set indexed by that integer).
Token-level matching at the end of the list only: linear, no backtracking.
"""

from __future__ import annotations

from verifier.lexer import Token

_INTEGER_SETS = frozenset({"Z"})
_LEAD_WORDS = frozenset({"for", "where", "with", "when"})
_QUANT_WORDS = frozenset({"any", "all", "every", "some", "each"})


def _is(tok: Token | None, kind: str, *texts: str) -> bool:
    return tok is not None and tok.kind == kind and (not texts or tok.text in texts)


def _integer_set_end(
    toks: list[Token], end: int, letters: frozenset[str] = _INTEGER_SETS
) -> int | None:
    """Start index of `\\mathbb{Z}` / `\\mathbb Z` / `Z` ending at toks[end-1], or None."""
    if end >= 4 and _is(toks[end - 1], "OP", "}") and _is(toks[end - 2], "LETTER", *letters):
        if _is(toks[end - 3], "OP", "{") and _is(toks[end - 4], "CMD", "mathbb", "Bbb", "mathbf"):
            return end - 4
    if end >= 1 and _is(toks[end - 1], "LETTER", *letters):
        if end >= 2 and _is(toks[end - 2], "CMD", "mathbb", "Bbb"):
            return end - 2
        return end - 1
    return None


def _clause_start(toks: list[Token], end: int) -> tuple[int, str] | None:
    """(start, variable) of a quantifier clause ending at toks[end-1]."""
    zs = _integer_set_end(toks, end)
    if zs is not None and zs >= 2 and _is(toks[zs - 1], "CMD", "in") and _is(
        toks[zs - 2], "LETTER"
    ):
        return zs - 2, toks[zs - 2].text  # `k \in \mathbb{Z}`
    # `k is an integer`, `k is any integer` (`is`, `an` are single-letter tokens after the lexer)
    if end >= 4 and _is(toks[end - 1], "WORD", "integer"):
        k = end - 2
        if _is(toks[k], "WORD", *_QUANT_WORDS):
            k -= 1
        if k >= 1 and _is(toks[k], "LETTER", "n") and _is(toks[k - 1], "LETTER", "a"):
            k -= 2
        elif _is(toks[k], "LETTER", "a"):
            k -= 1
        if k >= 2 and _is(toks[k], "LETTER", "s") and _is(toks[k - 1], "LETTER", "i") and _is(
            toks[k - 2], "LETTER"
        ):
            return k - 2, toks[k - 2].text
    # `k = 0, \\pm 1, \\pm 2, \\ldots`
    if end >= 4 and _is(toks[end - 1], "CMD", "ldots", "dots", "cdots"):
        k = end - 2
        while k >= 0 and (
            _is(toks[k], "OP", ",", "-") or _is(toks[k], "CMD", "pm", "mp") or _is(toks[k], "NUM")
        ):
            k -= 1
        if k >= 1 and _is(toks[k], "OP", "=") and _is(toks[k - 1], "LETTER"):
            return k - 1, toks[k - 1].text
    # `for any integer k`, `for all integers k`
    if end >= 3 and _is(toks[end - 1], "LETTER") and _is(toks[end - 2], "WORD", "integer",
                                                          "integers"):
        k = end - 3
        if _is(toks[k], "WORD", *_QUANT_WORDS):
            k -= 1
        if k >= 0 and _is(toks[k], "WORD", "for"):
            return k, toks[end - 1].text
    return None


def split_quantifier(toks: list[Token]) -> tuple[list[Token], str | None]:
    """Tokens without a trailing integer quantifier, and the quantified variable (or None)."""
    end = len(toks)
    wrapped = end >= 2 and _is(toks[-1], "OP", ")")
    found = _clause_start(toks, end - 1 if wrapped else end)
    if found is None:
        return toks, None
    start, var = found
    if wrapped:
        if start == 0 or not _is(toks[start - 1], "OP", "("):
            return toks, None
        start -= 1
    while start > 0 and (
        _is(toks[start - 1], "OP", ",", ";") or _is(toks[start - 1], "WORD", *_LEAD_WORDS)
    ):
        start -= 1
    if start == 0:
        return toks, None  # the clause alone is not an answer
    return toks[:start], var


_DOMAIN_SETS = frozenset({"R", "C", "Z", "N", "Q"})


def split_universal(toks: list[Token]) -> list[Token]:
    """Tokens without a trailing `for all x`, `\\forall x \\in \\mathbb{R}`, `for every real x`:
    a function answer holds on its whole domain; the clause adds nothing to compare."""
    end = len(toks)
    zs = _integer_set_end(toks, end, _DOMAIN_SETS)
    if zs is not None and zs >= 2 and _is(toks[zs - 1], "CMD", "in"):
        end = zs - 1
    if end < 2 or not _is(toks[end - 1], "LETTER"):
        return toks
    k = end - 2
    if _is(toks[k], "WORD", "real", "reals"):
        k -= 1
    if _is(toks[k], "CMD", "forall"):
        start = k
    elif k >= 1 and _is(toks[k], "WORD", "all", "any", "every", "each") and _is(
        toks[k - 1], "WORD", "for"
    ):
        start = k - 1
    else:
        return toks
    while start > 0 and _is(toks[start - 1], "OP", ",", ";"):
        start -= 1
    return toks[:start] if start > 0 else toks


_MOD_WORDS = frozenset({"pmod", "mod", "bmod"})


def split_modulus(toks: list[Token]) -> tuple[list[Token], int | None]:
    """Tokens without a trailing `\\pmod{m}` / `\\pmod m` / `(\\mod m)` / `(mod m)`, and m.

    `\\equiv` before it reads as `=` (`n \\equiv 3 \\pmod 7` is n = 3 modulo 7).
    """
    end = len(toks)
    wrapped = end >= 2 and _is(toks[-1], "OP", ")")
    if wrapped:
        end -= 1
    if end >= 3 and _is(toks[end - 1], "OP", "}") and _is(toks[end - 3], "OP", "{"):
        num, cmd = toks[end - 2], end - 4
    else:
        num, cmd = toks[end - 1] if end else None, end - 2
    if cmd < 1 or not _is(num, "NUM") or not num.text.isdigit() or int(num.text) < 2:
        return toks, None
    if not (_is(toks[cmd], "CMD", *_MOD_WORDS) or _is(toks[cmd], "WORD", "mod")):
        return toks, None
    start = cmd
    if wrapped:
        if not _is(toks[cmd - 1], "OP", "("):
            return toks, None
        start -= 1
    if start == 0:
        return toks, None
    head = [Token("OP", "=", t.space) if _is(t, "CMD", "equiv") else t for t in toks[:start]]
    return head, int(num.text)


__all__ = ["split_modulus", "split_quantifier", "split_universal"]
