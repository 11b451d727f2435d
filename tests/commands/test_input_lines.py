"""Every command treats a bad input line the same way: one line on stderr naming the line number
and why, exit code 2, nothing computed; `--skip-bad` counts and skips instead.

Run: .venv/bin/pytest tests/commands/test_input_lines.py -q
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mathreward.cli import main
from prm.testing import build_tiny_qwen_prm

# One good line per command (what its input lines look like).
GOOD = {
    "verify": {"id": "g", "gold": "4", "response": r"so \boxed{4}"},
    "score-steps": {"id": "g", "problem": "2+2?", "steps": ["2 + 2 = 4", "so 4"]},
    "reward": {"id": "g", "problem": "2+2?", "response": r"so \boxed{4}", "gold": "4"},
    "ablate": {"id": "g", "problem": "2+2?", "gold": "4", "responses": [r"\boxed{4}"]},
}
# Lines every command refuses, and why.
COMMON_BAD = [
    (b"{not json", "invalid JSON ("),
    (b'["a", "list"]', "expected a JSON object, got a list"),
    (b'"just a string"', "expected a JSON object, got a string"),
    (b'{"id": "\xff"}', "not UTF-8"),
]
# Fields of the wrong JSON type, per command: (field, value, why). Each was accepted before
# (str() of a list or number, or a string read as a list of characters) or crashed.
FIELD_BAD = {
    "verify": [("gold", ["4"], "'gold' must be a string, not a list"),
               ("response", None, "'response' is missing")],
    "score-steps": [("steps", "2 + 2 = 4", "'steps' must be a list of strings, not a string"),
                    ("steps", [1, 2], "'steps'[0] must be a string, not a number"),
                    ("problem", {"text": "?"}, "'problem' must be a string, not an object")],
    "reward": [("response", ["so 4"], "'response' must be a string, not a list"),
               ("gold", {"value": 4}, "'gold' must be a string, not an object"),
               ("problem", 7, "'problem' must be a string, not a number")],
    "ablate": [("responses", "abc", "'responses' must be a list of strings, not a string"),
               ("responses", [], "'responses' is empty"),
               ("gold", None, "'gold' is missing")],
}
CASES = [(command, line, why) for command in GOOD for line, why in COMMON_BAD] + [
    (command, json.dumps({**GOOD[command], field: value}).encode(), why)
    for command, bad in FIELD_BAD.items() for field, value, why in bad
]


def _args(command: str, path: Path, tmp_path: Path) -> list[str]:
    if command == "ablate":
        return ["ablate", str(path), "--specs", "orm", "--out", str(tmp_path / "out")]
    return [command, str(path), "-o", str(tmp_path / "out.jsonl")]


@pytest.mark.parametrize(("command", "bad", "why"), CASES,
                         ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(CASES)])
def test_a_bad_line_is_an_error_naming_its_number_and_why(tmp_path, capsys, command, bad, why):
    path = tmp_path / "in.jsonl"
    path.write_bytes(json.dumps(GOOD[command]).encode() + b"\n\n" + bad + b"\n")
    assert main(_args(command, path, tmp_path)) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()  # one line, no traceback
    assert line.startswith(f"mathreward {command}: {path} line 3: {why}")
    assert captured.out == ""
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "out").exists()


def test_skip_bad_counts_and_skips_in_every_command(tmp_path, capsys):
    """With --skip-bad each command answers for the good lines only and says how many it
    skipped (score-steps on a tiny real model, the others with the real worker pool)."""
    model = build_tiny_qwen_prm(tmp_path / "m", max_length=128)
    for command, good in GOOD.items():
        path = tmp_path / f"{command}.jsonl"
        second = {**good, "id": "h"}
        path.write_bytes(b"\n".join([json.dumps(good).encode(), b"{oops", b"[1]",
                                     json.dumps(second).encode()]) + b"\n")
        out = tmp_path / command
        out.mkdir()
        args = _args(command, path, out) + ["--skip-bad"]
        if command == "score-steps":
            args += ["--prm", str(model), "--device", "cpu"]
        if command in ("reward", "ablate"):
            args += ["--workers", "1"]
        assert main(args) == 0, command
        captured = capsys.readouterr()
        assert f"mathreward {command}: skipped 2 bad input lines" in captured.err
        if command == "ablate":
            assert json.loads((out / "out" / "ablation.json").read_text())["problems"] == 2
        else:
            rows = [json.loads(row) for row in (out / "out.jsonl").read_text().splitlines()]
            assert [row["id"] for row in rows] == ["g", "h"], command


def test_unreadable_input_is_exit_2_in_every_command(tmp_path, capsys):
    for command in GOOD:
        assert main(_args(command, tmp_path / "missing.jsonl", tmp_path)) == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith(f"mathreward {command}: cannot read {tmp_path / 'missing.jsonl'}")
