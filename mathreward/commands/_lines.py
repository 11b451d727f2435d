"""Input lines, read the same way by every command.

A line that is not what the command needs is an error naming its number and why
(`BadLine`, exit code 2 in every command); with `--skip-bad` it is counted and skipped instead,
and the count is said on stderr at the end. Blank lines are skipped silently. A bad line is
never turned into a verdict: "unparseable" is what a model's answer gets, not a broken file.

Each command gives a `parse(record, number)` that builds its item from one JSON object and
raises ValueError (the message says why) for a bad one; `string` and `strings` check the fields.
"""

from __future__ import annotations

import argparse
import decimal
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from mathreward import exactjson
from mathreward.commands._streams import open_input

T = TypeVar("T")


class BadLine(ValueError):
    """An input line that is not a valid item: its number (1-based) and why."""

    def __init__(self, number: int, why: str) -> None:
        super().__init__(f"line {number}: {why}")
        self.number = number
        self.why = why


@dataclass(frozen=True)
class Lines(Generic[T]):
    items: list[T]
    skipped: int  # bad lines skipped (only with skip_bad)


def add_skip_bad_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--skip-bad", action="store_true",
                        help="skip bad input lines (count them on stderr) instead of exiting "
                             "with code 2 at the first one")


def read_jsonl(source: Iterable[bytes | str], parse: Callable[[dict, int], T], *,
               skip_bad: bool = False) -> Lines[T]:
    """Every item of `source`, in order; `BadLine` at the first bad line unless `skip_bad`."""
    items: list[T] = []
    skipped = 0
    for number, raw in enumerate(source, start=1):
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            why = "not UTF-8"
        else:
            if not text.strip():
                continue
            try:
                items.append(_parse_text(text, number, parse))
                continue
            except ValueError as exc:
                why = str(exc)
        if not skip_bad:
            raise BadLine(number, why)
        skipped += 1
    return Lines(items, skipped)


def _parse_text(text: str, number: int, parse: Callable[[dict, int], T]) -> T:
    try:
        record = exactjson.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {json_type(record)}")
    return parse(record, number)


def report_skipped(command: str, lines: Lines[Any]) -> None:
    if lines.skipped:
        noun = "line" if lines.skipped == 1 else "lines"
        print(f"mathreward {command}: skipped {lines.skipped} bad input {noun}", file=sys.stderr)


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | decimal.Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def string(record: dict, name: str, *, default: str | None = None,
           number_ok: bool = False) -> str:
    """Field `name` as a string. Missing or null: `default`, or an error when there is none.
    `number_ok`: a JSON number is taken as its text (a gold answer written as 42)."""
    value = record.get(name)
    if value is None:
        if default is None:
            raise ValueError(f"'{name}' is missing")
        return default
    if number_ok and isinstance(value, exactjson.NUMBER_TYPES) and not isinstance(value, bool):
        return exactjson.number_text(value)
    if not isinstance(value, str):
        raise ValueError(f"'{name}' must be a string, not {json_type(value)}")
    return value


def strings(record: dict, name: str) -> tuple[str, ...]:
    """Field `name` as a list of strings (a string is not a list of its characters)."""
    value = record.get(name)
    if value is None:
        raise ValueError(f"'{name}' is missing")
    if not isinstance(value, list):
        raise ValueError(f"'{name}' must be a list of strings, not {json_type(value)}")
    for position, element in enumerate(value):
        if not isinstance(element, str):
            raise ValueError(f"'{name}'[{position}] must be a string, not {json_type(element)}")
    return tuple(value)


def load(command: str, path: str, parse: Callable[[dict, int], T], *,
         skip_bad: bool = False) -> Lines[T] | None:
    """Read the items of file `path` (`-`: stdin) for `command`; None after printing the one
    line that says why the input cannot be used (an unreadable file, a bad line): exit code 2."""
    try:
        with open_input(path, binary=True) as source:
            return read_jsonl(source, parse, skip_bad=skip_bad)
    except OSError as exc:
        print(f"mathreward {command}: cannot read {path}: {exc}", file=sys.stderr)
    except BadLine as exc:
        print(f"mathreward {command}: {path} {exc}", file=sys.stderr)
    return None
