"""`mathreward verify` end to end: the installed console script in a subprocess.

Run: .venv/bin/pytest tests/verifier/test_cli_verify.py -q
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.types import VerifyOptions
from verifier.verify import verify

MATHREWARD = Path(sys.executable).parent / "mathreward"

ITEMS = [
    {"id": "a", "gold": r"\frac34", "response": r"so the answer is \boxed{\frac{6}{8}}"},
    {"id": 7, "gold": 42, "response": "The answer is 42."},
    {"id": "c", "gold": "5", "response": r"<think>\boxed{5}"},
    {"id": "d", "gold": "1", "response": r"\boxed{__import__('os').getpid()}"},
    {"id": "e", "gold": "50", "response": r"<think>ok</think> \boxed{50\%}"},
    {"id": "f", "gold": "0.5", "response": r"\boxed{50\%}"},
    {"id": "g", "gold": r"\pi", "response": r"\boxed{3.14}"},
]
BAD_LINES = [
    "not json at all",
    json.dumps(["a", "list"]),
    json.dumps({"id": "no-response", "gold": "1"}),
    json.dumps({"id": "number-response", "gold": "1", "response": 1}),
]


def _input_text() -> str:
    lines = [json.dumps(item) for item in ITEMS]
    # Bad lines between good ones, and a blank line (skipped, no output line).
    lines[2:2] = BAD_LINES[:2]
    lines.append("")
    lines.extend(BAD_LINES[2:])
    return "\n".join(lines) + "\n"


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MATHREWARD), "verify", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def _expected(options: VerifyOptions) -> list[dict]:
    """What each line must say: good lines as verify() grades them, bad ones unparseable."""
    good = []
    for item in ITEMS:
        result = verify(item["response"], str(item["gold"]), options)
        good.append(
            {
                "id": item["id"],
                "correct": result.correct,
                "verdict": result.verdict.value,
                "reward": result.reward,
                "extracted": result.extracted,
                "extracted_by": result.extracted_by,
            }
        )
    bad = [
        {"id": ident, "correct": False, "verdict": "unparseable", "reward": 0.0, "extracted": None,
         "extracted_by": ""}
        for ident in (None, None, "no-response", "number-response")
    ]
    return good[:2] + bad[:2] + good[2:] + bad[2:]


def _strip_reason(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "reason"} for r in records]


def test_file_in_stdout_out(tmp_path: Path):
    source = tmp_path / "in.jsonl"
    source.write_text(_input_text(), encoding="utf-8")
    done = _run(str(source), "--workers", "2")
    assert done.returncode == 0, done.stderr
    records = _records(done.stdout)
    assert _strip_reason(records) == _expected(VerifyOptions())
    assert [r["correct"] for r in records[:2]] == [True, True]
    assert all(r["reason"] for r in records)
    assert "invalid JSON" in records[2]["reason"] and "line 3" in records[2]["reason"]
    assert "expected a JSON object" in records[3]["reason"]
    assert "'response' must be a string" in records[-1]["reason"]
    assert "%|" not in done.stderr and "item/s" not in done.stderr  # no bar: not a terminal


def test_stdin_to_file_with_options(tmp_path: Path):
    out = tmp_path / "out.jsonl"
    options = VerifyOptions(require_think=True, percent_as_fraction=True)
    done = _run(
        "-", "-o", str(out), "--require-think", "--percent-as-fraction", stdin=_input_text()
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    records = _records(out.read_text(encoding="utf-8"))
    assert _strip_reason(records) == _expected(options)
    by_id = {r["id"]: r for r in records}
    assert by_id["a"]["verdict"] == "no_answer"  # no think tags: DeepScaleR's format gate
    assert by_id["e"]["correct"] is True


def test_bad_arguments_and_missing_file(tmp_path: Path):
    assert _run(str(tmp_path / "missing.jsonl")).returncode == 2
    assert _run("-", "--workers", "0", stdin="").returncode == 2


def test_server_path_prints_exactly_what_the_in_process_path_prints(tmp_path: Path, server):
    pytest.importorskip("mathreward.client")
    source = tmp_path / "in.jsonl"
    source.write_text(_input_text(), encoding="utf-8")
    local = _run(str(source))
    remote = _run(str(source), "--server", server.address)
    assert local.returncode == 0 and remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout
    assert len(remote.stdout.splitlines()) == len(ITEMS) + len(BAD_LINES)


def test_unreachable_server_is_an_error_not_a_crash(tmp_path: Path):
    done = _run("-", "--server", "127.0.0.1:1", stdin=_input_text())
    assert done.returncode == 1
    assert "127.0.0.1:1" in done.stderr
    assert "Traceback" not in done.stderr


def test_progress_bar_on_a_terminal(tmp_path: Path):
    """On a terminal (a pty, 100 columns) stderr shows a tqdm bar; the output file is unchanged."""
    import os
    import pty

    source = tmp_path / "in.jsonl"
    source.write_text(_input_text(), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    pid, fd = pty.fork()
    if pid == 0:  # child: a shell on the pty sets its size, then runs the command
        command = f"stty cols 100 rows 40; exec {MATHREWARD} verify {source} -o {out}"
        os.execv("/bin/sh", ["/bin/sh", "-c", command])
    shown = b""
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:  # the child closed the pty
            break
        if not data:
            break
        shown += data
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"100%|" in shown and b"item/s" in shown
    assert _strip_reason(_records(out.read_text(encoding="utf-8"))) == _expected(VerifyOptions())
