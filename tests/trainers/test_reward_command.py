"""`mathreward reward`: in-process and against a running server print the same lines.

Run: .venv/bin/pytest tests/trainers/test_reward_command.py -q
"""

from __future__ import annotations

import json

from mathreward.cli import main

LINES = [
    {"id": "a", "problem": "2+2?", "response": "It is \\boxed{4}.", "gold": "4"},
    {"id": "b", "problem": "2+3?", "response": "It is \\boxed{6}.", "gold": "5"},
    {"id": "c", "problem": "2+3?", "response": "Not sure.", "gold": "5"},
]


def _write(tmp_path, lines):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_reward_in_process_and_on_server_agree(tmp_path, server):
    path = _write(tmp_path, LINES)
    local, remote = tmp_path / "local.jsonl", tmp_path / "remote.jsonl"
    assert main(["reward", str(path), "-o", str(local), "--spec", "orm_deepscaler",
                 "--workers", "1"]) == 0
    assert main(["reward", str(path), "-o", str(remote), "--spec", "orm_deepscaler",
                 "--server", server.address]) == 0
    rows = [json.loads(line) for line in local.read_text().splitlines()]
    assert [(r["id"], r["reward"], r["verdict"]) for r in rows] == [
        ("a", 1.0, "correct"), ("b", -1.0, "incorrect"), ("c", -1.0, "no_answer")]
    assert rows == [json.loads(line) for line in remote.read_text().splitlines()]


def test_reward_errors_exit_nonzero_with_a_message(tmp_path, server, capsys):
    path = _write(tmp_path, LINES)
    assert main(["reward", str(path), "--spec", "nope"]) == 2
    assert "unknown reward spec preset" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "response": "x"}\n')
    assert main(["reward", str(bad)]) == 2
    assert "line 1" in capsys.readouterr().err
    assert main(["reward", str(path), "--spec", "prm_min", "--server", server.address]) == 1
    assert "FAILED_PRECONDITION" in capsys.readouterr().err


def test_compute_reward_names_the_extraction_rule_and_takes_lenient_per_request(client) -> None:
    """ComputeReward reports `extracted_by` like VerifyAnswers, and honours the request's
    extraction option: a response with no box and no statement pays only in lenient mode."""
    items = [{"id": "box", "problem": "", "response": r"so \boxed{18}", "gold": "18"},
             {"id": "hash", "problem": "", "response": "48 - 30 = 18\n#### 18", "gold": "18"},
             {"id": "heading", "problem": "", "response": "Final answer\n18", "gold": "18"}]
    strict = client.compute_reward(items, "orm")
    assert [(o.reward, o.extracted_by) for o in strict] == [
        (1.0, "boxed"), (1.0, "gsm8k_hash"), (0.0, "")]
    lenient = client.compute_reward(items, "orm", {"extraction": "lenient"})
    assert lenient[2].reward == 1.0 and lenient[2].extracted_by.startswith("lenient")


def test_reward_command_extraction_flag(tmp_path, server, capsys) -> None:
    data = tmp_path / "in.jsonl"
    data.write_text(json.dumps({"id": "a", "problem": "", "response": "Final answer\n18",
                                "gold": "18"}) + "\n")
    for flags, reward in (([], 0.0), (["--extraction", "lenient"], 1.0)):
        assert main(["reward", str(data), "--server", server.address, *flags]) == 0
        (line,) = capsys.readouterr().out.splitlines()
        assert json.loads(line)["reward"] == reward
