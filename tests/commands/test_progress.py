"""Long work shows progress on a terminal (stderr, only when it is a TTY), from one helper.

Run: .venv/bin/pytest tests/commands/test_progress.py -q
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from prm.testing import build_tiny_qwen_prm

MATHREWARD = Path(sys.executable).parent / "mathreward"


def test_score_steps_shows_progress_on_a_terminal_only(tmp_path: Path, on_a_terminal):
    model = build_tiny_qwen_prm(tmp_path / "m", max_length=128)
    source = tmp_path / "in.jsonl"
    rows = [{"id": i, "problem": "p", "steps": [f"{i} + 1 = {i + 1}"]} for i in range(5)]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    args = ["score-steps", str(source), "--prm", str(model), "--device", "cpu"]
    code, shown = on_a_terminal([*args, "-o", str(tmp_path / "tty.jsonl")])
    assert code == 0, shown
    assert b"100%|" in shown and b"5/5" in shown and b"solution/s" in shown
    piped = subprocess.run([str(MATHREWARD), *args, "-o", str(tmp_path / "pipe.jsonl")],
                           capture_output=True, text=True, timeout=300, check=False)
    assert piped.returncode == 0, piped.stderr
    assert "%|" not in piped.stderr and "solution/s" not in piped.stderr
    tty_rows = (tmp_path / "tty.jsonl").read_text().splitlines()
    assert tty_rows == (tmp_path / "pipe.jsonl").read_text().splitlines()
    assert len(tty_rows) == 5


def test_reward_and_ablate_show_progress_on_a_terminal(tmp_path: Path, on_a_terminal):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "response": r"\boxed{4}", "gold": "4"}) + "\n")
    code, shown = on_a_terminal(["reward", str(source), "-o", str(tmp_path / "out.jsonl"),
                                  "--workers", "1"])
    assert code == 0, shown
    assert b"100%|" in shown and b"1/1" in shown
    rollouts = tmp_path / "rollouts.jsonl"
    rollouts.write_text(json.dumps({"id": 1, "problem": "p", "gold": "4",
                                    "responses": [r"\boxed{4}", r"\boxed{5}"]}) + "\n")
    code, shown = on_a_terminal(["ablate", str(rollouts), "--specs", "orm", "--out",
                                  str(tmp_path / "ablate"), "--workers", "1"])
    assert code == 0, shown
    assert b"rewarding: 100%|" in shown and b"2/2" in shown
