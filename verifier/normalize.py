"""Answer string -> canonical answer string (grading-policy rules 8-11, 18).

String-only rewriting: transparent formatting is removed, labels (percent, degrees, units,
money) are stripped and recorded, text wrappers are unwrapped. Nothing here evaluates
anything; the result goes to the whitelist tokenizer in `lexer.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNICODE = {
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u221e": "\\infty ", "\u03c0": "\\pi ",
    "\u221a": "\\sqrt", "\u00b0": "^\\circ", "\u2264": "\\le ", "\u2265": "\\ge ",
    "\u2260": "\\ne ", "\u00d7": "\\times ", "\u00b7": "\\cdot ", "\u22c5": "\\cdot ",
    "\u00f7": "\\div ", "\u00b1": "\\pm ", "\u2213": "\\mp ", "\u222a": "\\cup ",
    "\u2229": "\\cap ", "\u2208": "\\in ", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    "\u2205": "\\emptyset ", "\u20ac": " ", "\u00a3": " ", "\u211d": "\\mathbb{R}",
    "\u2124": "\\mathbb{Z}", "\u2115": "\\mathbb{N}", "\u211a": "\\mathbb{Q}",
    "\u2102": "\\mathbb{C}",
    "\u03b8": "\\theta ", "\u2248": "\\approx ",
    "\u00b2": "^2", "\u00b3": "^3", "\u00b9": "^1", "\u27e8": "(", "\u27e9": ")",
    "\u00bd": "\\frac{1}{2}", "\u00bc": "\\frac{1}{4}", "\u00be": "\\frac{3}{4}",
}
_DOUBLED_BACKSLASH_RE = re.compile(r"\\\\(?=[a-zA-Z])")
_UNICODE_RE = re.compile("|".join(re.escape(k) for k in _UNICODE))

# Text-like wrappers whose content is kept (rule 11, 18).
_WRAPPERS = (
    "text", "textbf", "textit", "textrm", "textsf", "texttt", "mathrm", "mathbf", "mathit",
    "mathsf", "mathtt", "boldsymbol", "bm", "mbox", "hbox", "emph", "operatorname", "textnormal",
    "textup", "mathnormal", "underline", "smash", "textsc",
)
_WRAPPER_RE = re.compile(r"\\(" + "|".join(_WRAPPERS) + r")\s*\{")
_WHOLE_TEXT_RE = re.compile(
    r"^\\(?:text|textbf|textrm|textnormal|textit|mbox|hbox)\s*\{[^{}]*\}$"
)

_DROP_RE = re.compile(
    r"\\\\|\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg|Bigg)(?![a-zA-Z])\s*\.?"
    r"|\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits)(?![a-zA-Z])"
    r"|\\[;:> ]|\\(?:enspace|thinspace|medspace|thickspace)(?![a-zA-Z])"
    r"|\\q?quad"  # also `\quadx_{2}` (a gold with no blank after \quad)
)
_NEG_SPACE_RE = re.compile(r"\\\\|\\[!,]")  # `\\` (row break) is kept; `\!`, `\,` vanish
_SPACING_AFTER_LR_RE = re.compile(r"\\(left|right)\s*\\([{}|])")
_ANGLE_RE = re.compile(r"\\[lr]angle(?![a-zA-Z])")  # vectors <1, 2> are tuples
_BRACE_NAMES_RE = re.compile(r"\\(lbrace|rbrace|lbrack|rbrack)(?![a-zA-Z])")
_BRACE_NAMES = {"lbrace": "\\{", "rbrace": "\\}", "lbrack": "[", "rbrack": "]"}
_COLON_RE = re.compile(r"\\colon(?![a-zA-Z])")
_FRAC_ALIASES_RE = re.compile(r"\\(?:dfrac|tfrac|cfrac|nicefrac|sfrac)(?![a-zA-Z])")
_BINOM_ALIASES_RE = re.compile(r"\\(?:dbinom|tbinom)(?![a-zA-Z])")
# Rule 11, thousands separators. A "marked" separator can only be one inside a numeral: `{,}`,
# `{, }`, `,\!`, `\,`, `{\,}`, `\ `, `\;`, with blanks around it (`11,\! 111,\! 100`,
# `14 {,} 916`). A run of groups is joined only when it starts with 1-3 digits not starting with
# 0 and every later group has exactly 3 digits: `0{,}111` is never 111 (rule 11).
_MARKED_SEP = r"(?:\s*(?:\{\s*,\s*\}|,\s*\\!|\{\s*\\,\s*\}|\\,|\\ |\\;)\s*)"
_MARKED_RUN_RE = re.compile(
    r"(?<![\d.])([1-9]\d{0,2})((?:" + _MARKED_SEP + r"\d{3})+)(?![\d])"
)
_MARKED_SEP_RE = re.compile(_MARKED_SEP)
_THIN_SPACE_IN_DIGITS_RE = re.compile(r"(?<=\d)\s*(?:\\[,;]|\\ )\s*(?=\d)")
# `0{,}5`, `3{,}25`: a braced comma that is not a thousands separator is a decimal comma.
_BRACED_DECIMAL_COMMA_RE = re.compile(r"(?<![\d.,{])(\d+)\{,\}(\d+)(?![\d]|\{,\})")
# Plain `,` / blank separators only when the whole answer is one numeral: `1,000`, `1 000`.
_WHOLE_THOUSANDS_RE = re.compile(r"^(-?)([1-9]\d{0,2}(?:,\d{3})+|[1-9]\d{0,2}(?: \d{3})+)(\.\d+)?$")
# `0,125` as a whole answer: a decimal comma (a list never starts `0,` + a multi-digit item with
# no blank). `0,5` stays the list 0, 5 (MATH writes roots that way); decision, see
# docs/mathverify-differences.md.
_WHOLE_DECIMAL_COMMA_RE = re.compile(r"^(-?)0,(\d{2,})$")

_PERCENT_RE = re.compile(
    r"\\%|%|\\text\s*\{\s*percent\s*\}|\bpercent\b|\bpct\b|\\percent(?![a-zA-Z])"
)
_DEGREE_RE = re.compile(
    r"\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|\\circ(?![a-zA-Z])|\\degree(?![a-zA-Z])"
    r"|\\text\s*\{\s*degrees?\s*\}|\bdegrees?\b"
)
_MONEY_RE = re.compile(r"\\\$|\$|\\text\s*\{\s*dollars?\s*\}|\bdollars?\b|\bUSD\b")
# Trailing unit-ish group: \text{ cm}, \mbox{ meters}, \mathrm{~km}, optionally squared.
_TRAILING_TEXT_GROUP_RE = re.compile(
    r"\\(?:text|textrm|textnormal|mbox|hbox|mathrm|textit)\s*\{[~\s]*([a-zA-Z][a-zA-Z .~/\-]*)\}"
    r"(?:\s*\^\s*(?:\{\s*\d\s*\}|\d))?\s*$"
)
_TRAILING_WORD_RE = re.compile(r"(?:\s|^)([a-zA-Z][a-zA-Z.]+)(?:\s*\^\s*(?:\{\s*\d\s*\}|\d))?\s*$")
# Words that are maths or connectives, never units.
MATH_WORDS = frozenset(
    "sqrt pi exp log ln sin cos tan sec csc cot arcsin arccos arctan asin acos atan sinh cosh "
    "tanh abs infty infinity inf oo or and i e".split()
)
_SHORT_UNITS = frozenset("cm mm km kg mg ft yd mi hr ml oz lb sq".split())
# Words that change the answer's meaning and are never dropped as units.
_NOT_UNITS = frozenset({"am", "pm", "a.m", "p.m", "or", "and", "not"})
# Words that scale, operate on or qualify the number before them: dropping them as a "unit"
# would pay a wrong answer (`4 million`, `2 squared`, `3 \text{ pi}`, `4 or more`,
# `4 \text{ is wrong}` against 4). A trailing group or word with one of these is kept, so the
# answer is compared whole (usually unparseable: not equal). When in doubt, not equal.
_VALUE_WORDS = frozenset(
    "hundred hundreds thousand thousands million millions billion billions trillion trillions "
    "dozen dozens tens k squared cubed times half twice double triple quadruple more less fewer "
    "most least over under above below approximately approx about around roughly nearly almost "
    "negative minus plus wrong incorrect correct is are not no none than at maybe possibly "
    "probably".split()
)
# `... where k is an integer`, `for any integer k`: part of the answer (rule 13), never a unit.
_QUANTIFIER_WORDS = frozenset({"integer", "integers", "where", "for", "any", "all", "every"})
_CLAUSE_HEAD_RE = re.compile(r"\b(?:is an?|any|all|every|each|some)\s*$")
# `\sin 30^\circ`: a degree sign inside a trig argument is converted, not dropped (rule 9
# forbids converting answers, but here the degree is part of an expression's argument).
_TRIG_DEGREE_RE = re.compile(
    r"\\(sin|cos|tan|cot|sec|csc)\s*(\(?)\s*(\d+(?:\.\d+)?)\s*"
    r"(?:\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|\u00b0)\s*(\)?)"
)


@dataclass(frozen=True)
class Normalized:
    """A canonical answer string plus the labels stripped from it."""

    text: str
    percent: bool = False
    degree: bool = False
    text_wrapped: bool = False  # the whole answer was one \\text{}/\\textbf{}/\\mbox{} group


def _unwrap_wrappers(s: str) -> str:
    """`\\text{abc}` -> `abc` (innermost-first is not needed: outer first, then rescan)."""
    for _ in range(50):
        m = _WRAPPER_RE.search(s)
        if m is None:
            return s
        depth, i = 1, m.end()
        while i < len(s) and depth:
            if s[i] == "\\":
                i += 2
                continue
            depth += {"{": 1, "}": -1}.get(s[i], 0)
            i += 1
        if depth:
            return s  # unbalanced: leave it; the lexer will reject it
        s = s[: m.start()] + " " + s[m.end() : i - 1] + " " + s[i:]
    return s


def _strip_trailing_units(s: str) -> str:
    """Drop trailing unit labels (`5 \\text{ cm}`, `12 sq ft`) when maths precedes them."""
    for _ in range(6):
        m = _TRAILING_TEXT_GROUP_RE.search(s)
        if m is not None and _is_label_text(m.group(1)):
            head = s[: m.start()].rstrip()
            if _is_mathy(head):
                s = head
                continue
        m = _TRAILING_WORD_RE.search(s)
        if m is not None and _is_unit_word(m.group(1)) and not _CLAUSE_HEAD_RE.search(
            s[: m.start()]
        ):
            head = s[: m.start()].rstrip()
            if _is_mathy(head):
                s = head
                continue
        return s
    return s


def _is_label_text(text: str) -> bool:
    """A trailing `\\text{...}` that may be dropped: not a connective or a quantifier clause."""
    words = text.strip().lower().strip(".").split()
    clause = len(words) > 1 and bool(_QUANTIFIER_WORDS.intersection(words))
    changes_value = bool(_VALUE_WORDS.intersection(words) or MATH_WORDS.intersection(words))
    return " ".join(words) not in _NOT_UNITS and not clause and not changes_value


def _is_unit_word(word: str) -> bool:
    """A bare trailing word that is a label: 3+ letters and not maths, or a 2-letter unit."""
    w = word.lower().strip(".")
    if w in _NOT_UNITS or w in _VALUE_WORDS or w in ("where", "for", "any", "all", "every"):
        return False
    return (len(w) >= 3 and w not in MATH_WORDS) or w in _SHORT_UNITS


def _is_mathy(head: str) -> bool:
    """A prefix that can carry a unit: it has a digit or ends in a closing bracket/command."""
    if not head or head[-1] in "=+-*/^_,(<>":
        return False
    return bool(re.search(r"\d", head)) or head[-1] in ")]}" or bool(re.search(r"\\[a-z]+$", head))


def _join_marked_thousands(s: str) -> str:
    """`11,\\! 111,\\! 100` -> `11111100`, `14{, }916` -> `14916`; `0{,}5` -> `0.5`."""
    s = _MARKED_RUN_RE.sub(lambda m: m.group(1) + _MARKED_SEP_RE.sub("", m.group(2)), s)
    s = _BRACED_DECIMAL_COMMA_RE.sub(r"\1.\2", s)
    # A thin space left between digits was not a separator (`0\\,111`): keep the digits apart
    # (two numerals in a row do not parse), never glue them into 111.
    return _THIN_SPACE_IN_DIGITS_RE.sub(" ", s)


def _trig_degrees(m: re.Match[str]) -> str:
    if bool(m.group(2)) != bool(m.group(4)):
        return m.group(0)
    return f"\\{m.group(1)}(\\frac{{{m.group(3)}\\pi}}{{180}})"


def normalize(answer: str) -> Normalized:
    """Canonical form of an answer string; labels are removed and remembered."""
    text_wrapped = bool(_WHOLE_TEXT_RE.match(answer.strip()))
    s = _TRIG_DEGREE_RE.sub(_trig_degrees, answer)
    s = _UNICODE_RE.sub(lambda m: _UNICODE[m.group(0)], s)
    if "\\begin" not in s:  # `\\frac{1}{2}`: a doubly escaped string (JSON twice), not a row break
        s = _DOUBLED_BACKSLASH_RE.sub(r"\\", s)
    s = s.replace("\n", " ").replace("\t", " ").replace("~", " ").strip()
    s = _join_marked_thousands(s)
    s = _BRACE_NAMES_RE.sub(lambda m: _BRACE_NAMES[m.group(1)], s)
    s = _SPACING_AFTER_LR_RE.sub(r"\\\2", s)
    s = _NEG_SPACE_RE.sub(lambda m: m.group(0) if m.group(0) == "\\\\" else "", s)
    s = _DROP_RE.sub(lambda m: m.group(0) if m.group(0) == "\\\\" else " ", s)
    s = _ANGLE_RE.sub(lambda m: "(" if m.group(0)[1] == "l" else ")", s)
    s = _FRAC_ALIASES_RE.sub(r"\\frac", s)
    s = _COLON_RE.sub(":", s)  # `1 \\colon 2` is the ratio 1:2
    s = _BINOM_ALIASES_RE.sub(r"\\binom", s)
    percent = bool(_PERCENT_RE.search(s))
    s = _PERCENT_RE.sub(" ", s)
    degree = bool(_DEGREE_RE.search(s))
    s = _DEGREE_RE.sub(" ", s)
    s = _MONEY_RE.sub(" ", s)
    s = s.strip().rstrip(".").strip()
    s = _strip_trailing_units(s)
    s = _unwrap_wrappers(s)
    s = _strip_trailing_units(re.sub(r"\s+", " ", s).strip())  # `\text{20 minutes}`
    s = re.sub(r"\s+", " ", s).strip().rstrip(".").strip()
    m = _WHOLE_THOUSANDS_RE.match(s)
    if m is not None:
        s = m.group(1) + m.group(2).replace(",", "").replace(" ", "") + (m.group(3) or "")
    s = _WHOLE_DECIMAL_COMMA_RE.sub(r"\g<1>0.\2", s)
    return Normalized(s, percent=percent, degree=degree, text_wrapped=text_wrapped)
