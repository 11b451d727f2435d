"""A small PromQL parser: syntax check plus the metric names an expression reads.

    .venv/bin/python deploy/tools/promql.py 'sum by (pod) (rate(x_total[5m]))'

No PromQL library exists for Python and `promtool` is a Go binary CI does not have, so the alert
rules, the Grafana panels and the Prometheus-adapter queries are checked with this
recursive-descent parser over the PromQL grammar (selectors with matchers, range and subquery
brackets, offset/@ modifiers, functions, aggregations with by/without before or after the
arguments, binary operators by precedence with bool/on/ignoring/group_left/group_right). It
rejects what Prometheus would reject for syntax (unbalanced brackets, unknown functions, a missing
operand, a bad duration) and returns every metric name read, so the deploy check can assert that
each one is exported by the server. Types (instant vs range vector) are not checked.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio",
}
FUNCTIONS = {
    "abs", "absent", "absent_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min",
    "day_of_month", "day_of_week", "day_of_year", "days_in_month", "delta", "deriv", "exp",
    "floor", "histogram_avg", "histogram_count", "histogram_fraction", "histogram_quantile",
    "histogram_stddev", "histogram_stdvar", "histogram_sum", "holt_winters", "hour", "idelta",
    "increase", "irate", "label_join", "label_replace", "ln", "log2", "log10", "minute",
    "month", "predict_linear", "rate", "resets", "round", "scalar", "sgn", "sort",
    "sort_desc", "sort_by_label", "sort_by_label_desc", "sqrt", "time", "timestamp", "vector",
    "year", "avg_over_time", "min_over_time", "max_over_time", "sum_over_time",
    "count_over_time", "quantile_over_time", "stddev_over_time", "stdvar_over_time",
    "last_over_time", "present_over_time", "mad_over_time", "acos", "acosh", "asin", "asinh",
    "atan", "atanh", "cos", "cosh", "sin", "sinh", "tan", "tanh", "deg", "rad", "pi",
}
# Binary operators from lowest to highest precedence ("^" is right-associative).
PRECEDENCE = [
    {"or"}, {"and", "unless"}, {"==", "!=", "<=", "<", ">=", ">"}, {"+", "-"},
    {"*", "/", "%", "atan2"}, {"^"},
]
KEYWORD_OPS = {"or", "and", "unless", "atan2"}
COMPARISONS = PRECEDENCE[2]

TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<duration>(?:\d+(?:ms|s|m|h|d|w|y))+)(?!\w)
  | (?P<number>0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<ident>[a-zA-Z_][a-zA-Z0-9_:]*)
  | (?P<op>=~|!~|==|!=|<=|>=|[-+*/%^<>=(){}\[\],:@])
    """,
    re.VERBOSE,
)


class PromQLError(ValueError):
    """The expression is not valid PromQL."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


def tokenize(expr: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(expr):
        match = TOKEN_RE.match(expr, pos)
        if not match:
            raise PromQLError(f"unexpected character {expr[pos]!r} at {pos}")
        if match.lastgroup != "ws":
            tokens.append(Token(match.lastgroup or "", match.group(), pos))
        pos = match.end()
    tokens.append(Token("eof", "", pos))
    return tokens


def metric_names(expr: str) -> set[str]:
    """Parse `expr`; return the metric names it selects. Raises PromQLError."""
    parser = _Parser(tokenize(expr))
    parser.expression(0)
    parser.expect_kind("eof")
    return parser.metrics


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.metrics: set[str] = set()

    # -- token helpers ----------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def accept(self, text: str) -> bool:
        if self.tok.kind in ("op", "ident") and self.tok.text == text:
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise PromQLError(f"expected {text!r} at {self.tok.pos}, got {self.tok.text!r}")

    def expect_kind(self, kind: str) -> Token:
        if self.tok.kind != kind:
            raise PromQLError(f"expected {kind} at {self.tok.pos}, got {self.tok.text!r}")
        return self.take()

    # -- grammar ----------------------------------------------------------------------------------
    def expression(self, level: int) -> None:
        if level == len(PRECEDENCE):
            self.unary()
            return
        self.expression(level + 1)
        while self.tok.kind in ("op", "ident") and self.tok.text in PRECEDENCE[level]:
            operator = self.take().text
            self.binary_modifiers(operator)
            # "^" binds to the right; the rest to the left.
            self.expression(level if operator == "^" else level + 1)

    def binary_modifiers(self, operator: str) -> None:
        if operator in COMPARISONS:
            self.accept("bool")
        if self.accept("on") or self.accept("ignoring"):
            self.label_list()
            if self.accept("group_left") or self.accept("group_right"):
                if self.tok.text == "(":
                    self.label_list()

    def unary(self) -> None:
        if self.accept("-") or self.accept("+"):
            self.unary()
            return
        self.primary()
        self.postfix()

    def postfix(self) -> None:
        while True:
            if self.accept("["):
                self.expect_kind("duration")
                if self.accept(":"):
                    if self.tok.kind == "duration":
                        self.take()
                self.expect("]")
            elif self.accept("offset"):
                self.accept("-")
                self.expect_kind("duration")
            elif self.accept("@"):
                if not (self.accept("start") or self.accept("end")):
                    self.expect_kind("number")
                else:
                    self.expect("(")
                    self.expect(")")
            else:
                return

    def primary(self) -> None:
        token = self.tok
        if token.kind in ("number", "string"):
            self.take()
        elif token.kind == "duration":
            raise PromQLError(f"duration {token.text!r} outside brackets at {token.pos}")
        elif self.accept("("):
            self.expression(0)
            self.expect(")")
        elif token.text == "{":
            self.matchers()
        elif token.kind == "ident":
            self.identifier()
        else:
            raise PromQLError(f"unexpected {token.text or 'end of expression'!r} at {token.pos}")

    def identifier(self) -> None:
        name = self.take().text
        if name in AGGREGATIONS:
            self.aggregation()
        elif self.tok.text == "(":
            if name not in FUNCTIONS:
                raise PromQLError(f"unknown function {name!r}")
            self.arguments()
        elif name in KEYWORD_OPS or name in {"by", "without", "on", "ignoring", "bool"}:
            raise PromQLError(f"keyword {name!r} where an operand was expected")
        else:
            self.metrics.add(name)
            if self.tok.text == "{":
                self.matchers()

    def aggregation(self) -> None:
        grouped = self.grouping()
        self.arguments()
        if not grouped:
            self.grouping()

    def grouping(self) -> bool:
        if self.accept("by") or self.accept("without"):
            self.label_list()
            return True
        return False

    def arguments(self) -> None:
        self.expect("(")
        if self.accept(")"):
            return
        self.expression(0)
        while self.accept(","):
            self.expression(0)
        self.expect(")")

    def label_list(self) -> None:
        self.expect("(")
        while self.tok.kind == "ident":
            self.take()
            if not self.accept(","):
                break
        self.expect(")")

    def matchers(self) -> None:
        self.expect("{")
        while self.tok.kind in ("ident", "string"):
            name = self.take()
            if self.tok.text in (",", "}") and name.kind == "string":
                self.metrics.add(name.text[1:-1])  # {"metric.name"} form
            else:
                if self.tok.text not in ("=", "!=", "=~", "!~"):
                    raise PromQLError(f"expected a label matcher operator at {self.tok.pos}")
                self.take()
                self.expect_kind("string")
            if not self.accept(","):
                break
        self.expect("}")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(sorted(metric_names(arg)))
