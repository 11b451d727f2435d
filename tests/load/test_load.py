"""Load tools against a real server on loopback: a locust headless run and `mathreward bench`.

    .venv/bin/pytest tests/load -q

Short and bounded (a few seconds of load each); they check that the tools measure and report,
never how fast anything is (speed lives in the README's measured tables).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _locust(address: str, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [str(BIN / "locust"), "-f", str(ROOT / "bench/locustfile.py"), "--headless",
           "-u", "4", "-r", "4", "-t", "5s", "--host", address, "--csv", str(out / "run"),
           "--html", str(out / "run.html"), "--only-summary", "--batch-sizes", "1,16",
           "--hostile-share", "0.05", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, cwd=ROOT)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_locust_headless_verify_answers(server, tmp_path: Path) -> None:
    result = _locust(server.address, tmp_path, "--verify-weight", "1",
                     "--compute-reward-weight", "0", "--score-steps-weight", "0")
    assert result.returncode == 0, result.stderr[-2000:]
    stats = {row["Name"]: row for row in _rows(tmp_path / "run_stats.csv")}
    verify = [row for name, row in stats.items() if name.startswith("VerifyAnswers[")]
    assert verify and sum(int(r["Request Count"]) for r in verify) > 0
    assert all(int(r["Failure Count"]) == 0 for r in verify)
    assert int(stats["Aggregated"]["Failure Count"]) == 0
    assert (tmp_path / "run.html").stat().st_size > 0


def test_locust_names_unimplemented_and_fails_threshold(server, tmp_path: Path) -> None:
    # The fixture server has no PRM: ScoreSteps is UNIMPLEMENTED, reported by name, and the
    # failure-ratio threshold turns the run into exit code 1.
    result = _locust(server.address, tmp_path, "--verify-weight", "1",
                     "--compute-reward-weight", "1", "--score-steps-weight", "1",
                     "--max-fail-ratio", "0.0")
    assert result.returncode == 1
    assert "thresholds failed" in result.stderr
    failures = _rows(tmp_path / "run_failures.csv")
    assert failures and all(row["Name"].startswith("ScoreSteps[") for row in failures)
    assert all("UNIMPLEMENTED" in row["Error"] for row in failures)
    ok = [r for r in _rows(tmp_path / "run_stats.csv") if r["Name"].startswith("ComputeReward[")]
    assert ok and all(int(r["Failure Count"]) == 0 for r in ok)


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "mathreward"), "bench", *args], capture_output=True,
                          text=True, timeout=150, cwd=ROOT)


def _check_latency_rows(rows: list[dict]) -> None:
    for row in rows:
        assert row["items"] > 0 and row["rpcs"] > 0 and row["errors"] == 0
        assert row["items"] == row["rpcs"] * row["batch"]
        assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"]
        assert row["items_per_s"] > 0


def test_bench_sweep_against_running_server(server, tmp_path: Path) -> None:
    metrics = f"http://127.0.0.1:{server.handle.metrics_port}/metrics"
    result = _bench("sweep", "--server", server.address, "--metrics-url", metrics,
                    "--batch-sizes", "4,32", "--concurrency", "1,2", "--duration", "1",
                    "--warmup", "0.2", "--compare-items", "16", "--hostile-share", "0",
                    "--json", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    rows = report["rows"]
    assert [(r["batch"], r["concurrency"]) for r in rows] == [(4, 1), (4, 2), (32, 1), (32, 2)]
    _check_latency_rows(rows)
    assert all(r["restarts"] is not None and r["cpu_s_per_1k"] is None for r in rows)
    assert report["baseline"]["items"] == 16 and report["baseline"]["wall_s"] > 0
    assert all(r["vs_math_verify"] > 0 for r in rows)
    table = (tmp_path / "table.md").read_text()
    assert table.startswith("| workers | batch |")
    assert table.count("\n") == 6  # header, rule, 4 rows
    for png in ("throughput.png", "latency.png"):
        assert (tmp_path / png).read_bytes()[:4] == b"\x89PNG"


def test_bench_sweep_starts_its_own_server_and_reads_its_cpu(tmp_path: Path) -> None:
    result = _bench("sweep", "--workers", "1", "--batch-sizes", "16", "--concurrency", "2",
                    "--duration", "1", "--warmup", "0.2", "--compare-items", "0", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    (row,) = json.loads(result.stdout)["rows"]
    _check_latency_rows([row])
    assert row["workers"] == 1 and row["cpu_s_per_1k"] > 0 and row["restarts"] >= 0
    # The gRPC process is part of the server's process tree, the workers the rest of it.
    assert 0 < row["main_cpu_s_per_1k"] < row["cpu_s_per_1k"]
    assert row["client_cpu_s_per_1k"] > 0


def test_bench_training_step(server) -> None:
    result = _bench("training-step", "--server", server.address, "--prompts", "4",
                    "--group-size", "8", "--hostile-share", "0", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["items"] == 32 and report["verify_wall_s"] > 0
    assert sum(report["verdicts"].values()) == 32
    assert report["agree"] == 32  # the payload's expected verdicts are the verifier's
    assert report["math_verify"]["items"] == 32 and report["speedup_vs_math_verify"] > 0


@pytest.mark.parametrize("bad", [["--batch-sizes", "0"], ["--concurrency", "a,b"]])
def test_bench_rejects_bad_flags(bad: list[str]) -> None:
    result = _bench("sweep", *bad)
    assert result.returncode == 2 and "expected" in result.stderr
