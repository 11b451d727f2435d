"""JSON whose numbers keep the digits they were written with.

A gold answer sent as a JSON number (`"gold": 3.14159265358979323846`, OpenRLHF labels) must be
graded as written: through a float it becomes 3.141592653589793, and a wrong answer with those
16 digits would be paid (grading-policy rule 7). Non-standard `NaN` / `Infinity` are refused.
"""

from __future__ import annotations

import decimal
import json
from typing import Any

NUMBER_TYPES = (int, decimal.Decimal)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads(text: str | bytes) -> Any:
    """`json.loads`, with decimals as `decimal.Decimal` (exact text) and NaN/Infinity refused."""
    return json.loads(text, parse_float=decimal.Decimal, parse_constant=_no_constant)


def number_text(value: int | decimal.Decimal) -> str:
    """The number as it was written (`1.0000000000000001` stays so)."""
    return str(value)
