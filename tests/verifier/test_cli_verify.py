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
# Lines that are not items, and why each is refused (what the error must say).
BAD_LINES = [
    ("not json at all", "invalid JSON"),
    (json.dumps(["a", "list"]), "expected a JSON object, got a list"),
    (json.dumps({"id": "no-response", "gold": "1"}), "'response' is missing"),
    (json.dumps({"id": "number-response", "gold": "1", "response": 1}),
     "'response' must be a string, not a number"),
    (json.dumps({"id": "list-gold", "gold": ["1"], "response": "1"}),
     "'gold' must be a string, not a list"),
]


def _input_text(bad: list[str] = ()) -> str:
    """The good items, a blank line (skipped, no output line), then `bad` lines among them."""
    lines = [json.dumps(item) for item in ITEMS]
    lines[2:2] = list(bad)
    lines.insert(len(lines) - 1, "")
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
    """What each line must say: the items as verify() grades them."""
    expected = []
    for item in ITEMS:
        result = verify(item["response"], str(item["gold"]), options)
        expected.append(
            {
                "id": item["id"],
                "correct": result.correct,
                "verdict": result.verdict.value,
                "reward": result.reward,
                "extracted": result.extracted,
                "extracted_by": result.extracted_by,
            }
        )
    return expected


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
    assert len(remote.stdout.splitlines()) == len(ITEMS)


@pytest.mark.parametrize(("bad", "why"), BAD_LINES)
def test_a_bad_line_is_an_error_naming_it_not_a_verdict(bad: str, why: str):
    """Defect: a malformed line became an "unparseable" verdict, indistinguishable from a
    model's bad answer. Now: the line number and why, exit 2, nothing graded."""
    done = _run("-", stdin=_input_text([bad]))
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()  # one line, no traceback
    assert line.startswith(f"mathreward verify: - line 3: {why}")


def test_skip_bad_skips_and_counts_the_bad_lines(tmp_path: Path, server):
    """--skip-bad: the good lines are graded as without the bad ones, in process and on a server,
    and stderr says how many lines were skipped."""
    pytest.importorskip("mathreward.client")
    source = tmp_path / "in.jsonl"
    source.write_text(_input_text([bad for bad, _ in BAD_LINES]) + "\xff\xfe\n", encoding="latin-1")
    local = _run(str(source), "--skip-bad")
    remote = _run(str(source), "--skip-bad", "--server", server.address)
    assert local.returncode == 0 and remote.returncode == 0, local.stderr + remote.stderr
    assert _strip_reason(_records(local.stdout)) == _expected(VerifyOptions())
    assert remote.stdout == local.stdout
    skipped = f"mathreward verify: skipped {len(BAD_LINES) + 1} bad input lines"
    assert skipped in local.stderr and skipped in remote.stderr


def test_output_cut_short_by_head_exits_quietly(tmp_path: Path):
    """`mathreward verify IN.jsonl | head -1` through a real pipe: no BrokenPipeError traceback,
    the exit status of a tool that SIGPIPE ended (141), and head got the first line."""
    rows = [{"id": i, "gold": str(i), "response": f"so \\boxed{{{i}}}"} for i in range(5000)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    # 5000 output lines are ~700 kB, far more than a pipe holds: the writer must hit the break.
    command = subprocess.Popen(
        [str(MATHREWARD), "verify", str(source)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    head = subprocess.run(["head", "-1"], stdin=command.stdout, capture_output=True, timeout=120)
    command.stdout.close()  # only head holds the read end now
    stderr = command.stderr.read().decode()
    command.stderr.close()
    assert command.wait(timeout=120) == 141, stderr
    assert stderr == ""
    assert json.loads(head.stdout)["id"] == 0


def test_unreachable_server_is_an_error_not_a_crash(tmp_path: Path):
    done = _run("-", "--server", "127.0.0.1:1", stdin=_input_text())
    assert done.returncode == 1
    assert "127.0.0.1:1" in done.stderr
    assert "Traceback" not in done.stderr


def test_progress_bar_on_a_terminal(tmp_path: Path, on_a_terminal):
    """On a terminal (a pty, 100 columns) stderr shows a tqdm bar; the output file is unchanged."""
    source = tmp_path / "in.jsonl"
    source.write_text(_input_text(), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, shown = on_a_terminal(["verify", str(source), "-o", str(out)])
    assert code == 0
    assert b"100%|" in shown and b"item/s" in shown
    assert _strip_reason(_records(out.read_text(encoding="utf-8"))) == _expected(VerifyOptions())


def test_a_numeric_gold_is_graded_as_written(tmp_path, capsys) -> None:
    """`"gold": 1.0000000000000001` is that number, not the float 1.0 (which paid `\\boxed{1}`);
    `NaN` is not a JSON number: a bad line."""
    from mathreward.cli import main

    data = tmp_path / "in.jsonl"
    data.write_text('{"id": "a", "gold": 1.0000000000000001, "response": "\\\\boxed{1}"}\n'
                    '{"id": "b", "gold": 2.50, "response": "\\\\boxed{2.5}"}\n')
    assert main(["verify", str(data)]) == 0
    verdicts = [json.loads(line)["verdict"] for line in capsys.readouterr().out.splitlines()]
    assert verdicts == ["incorrect", "correct"]
    data.write_text('{"id": "a", "gold": NaN, "response": "\\\\boxed{1}"}\n')
    assert main(["verify", str(data)]) == 2
