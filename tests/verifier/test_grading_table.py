"""The answer table (tests/data/answer_table.jsonl) through verify(), in-process.

Run: .venv/bin/pytest tests/verifier/test_grading_table.py -q
Regenerate the table: .venv/bin/python tests/data/gen_answer_table.py

Non-hostile rows must get exactly the expected verdict (CORRECT iff expected). Hostile rows
(code payloads, towers, huge inputs) must never be CORRECT and must be refused by the cheap
pre-checks (the pool, H2's tests, adds the wall-clock budget on top).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verifier.types import Verdict
from verifier.verify import verify

TABLE = Path(__file__).resolve().parents[1] / "data" / "answer_table.jsonl"
ROWS = [json.loads(line) for line in TABLE.read_text(encoding="utf-8").splitlines() if line]
NORMAL = [r for r in ROWS if r["kind"] != "hostile"]
HOSTILE = [r for r in ROWS if r["kind"] == "hostile"]


def _id(i: int, row: dict) -> str:
    return f"{i:03d}-rule{row['rule']}-{row['kind']}"


def test_table_shape() -> None:
    """Enough rows, every rule covered, at least 40% hard negatives, every field present."""
    assert len(ROWS) >= 500
    for row in ROWS:
        assert set(row) >= {"gold", "response", "expected", "rule", "kind", "note"}
        assert row["kind"] in ("positive", "negative", "hostile")
        assert row["expected"] is (row["kind"] == "positive")
    negatives = sum(r["kind"] == "negative" for r in ROWS)
    assert negatives / len(ROWS) >= 0.40
    rules = {part for r in ROWS for part in str(r["rule"]).split(",")}
    assert {str(n) for n in range(1, 22)} <= rules


@pytest.mark.parametrize("row", NORMAL, ids=[_id(i, r) for i, r in enumerate(NORMAL)])
def test_row(row: dict) -> None:
    result = verify(row["response"], row["gold"])
    assert result.correct is row["expected"], (row["note"], result)
    assert result.reason
    assert not result.reason.startswith("grader error"), result  # no masked exception


@pytest.mark.timeout(20)
@pytest.mark.parametrize("row", HOSTILE, ids=[_id(i, r) for i, r in enumerate(HOSTILE)])
def test_hostile_row(row: dict) -> None:
    result = verify(row["response"], row["gold"])
    assert not result.correct, (row["note"], result)
    assert result.verdict in (
        Verdict.INCORRECT, Verdict.UNPARSEABLE, Verdict.RESOURCE_LIMIT, Verdict.NO_ANSWER
    )
    assert result.reason
    assert not result.reason.startswith("grader error"), result  # refused on purpose
