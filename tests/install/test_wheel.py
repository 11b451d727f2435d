"""The package as a user gets it: a wheel in fresh virtual environments, run outside the checkout.

- no extras: `mathreward serve` runs verifier-only and says in one line how to enable the PRM;
  `score-steps` and `bench` name the extra they need instead of a traceback;
- `[bench]`: `mathreward bench sweep` runs (a tiny sweep against a server it starts itself);
- `[prm]`: the bundled PRM is served and scores steps.

Slow (three installs from the local package mirror, torch from this machine's disk), so marked
`slow`; CI runs it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _clean_env() -> dict[str, str]:
    """The environment minus PYTHONPATH: a checkout on the path would stand in for the wheel
    (pip would even see its egg-info and skip the install)."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def _run(cmd: list[str], cwd: Path, timeout: float = 900, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("env", _clean_env())
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, **kw)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from the tracked files (a copy, so the checkout gets no build/ folder)."""
    src = tmp_path_factory.mktemp("src")
    files = _run(["git", "ls-files", "-z"], ROOT).stdout.split("\0")
    if not any(files):  # not a git checkout: copy the package folders
        files = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()
                 and ".venv" not in p.parts and ".git" not in p.parts]
    for name in filter(None, files):
        target = src / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    out = tmp_path_factory.mktemp("dist")
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out),
                  str(src)], src)
    assert built.returncode == 0, built.stderr[-3000:]
    (whl,) = out.glob("mathreward-*.whl")
    return whl


def _venv(base: Path, wheel: Path, extra: str | None) -> Path:
    venv = base / f"venv-{extra or 'plain'}"
    assert _run([sys.executable, "-m", "venv", str(venv)], base).returncode == 0
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    if extra == "prm":  # the CPU build that lies on this machine's disk, before anything pulls CUDA
        torch = _run([*pip, "torch==2.13.0"], base)
        assert torch.returncode == 0, torch.stderr[-3000:]
    spec = f"{wheel}[{extra}]" if extra else str(wheel)
    done = _run([*pip, spec], base)
    assert done.returncode == 0, done.stderr[-3000:]
    return venv / "bin"


def _serve(bin_dir: Path, cwd: Path, *flags: str) -> tuple[subprocess.Popen, int, list[str]]:
    """Start `mathreward serve` on a free port; (process, port, log lines so far)."""
    proc = subprocess.Popen([str(bin_dir / "mathreward"), "serve", "--host", "127.0.0.1",
                             "--port", "0", "--metrics-port", "-1", "--workers", "1",
                             "--log-format", "json", *flags],
                            cwd=cwd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env=_clean_env())
    lines: list[str] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("msg") == "serving" and "port" in entry:
            return proc, int(entry["port"]), lines
    proc.kill()
    raise AssertionError("serve did not start:\n" + "".join(lines)[-4000:])


def _stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=60)


def _verify_via_server(bin_dir: Path, cwd: Path, port: int) -> dict:
    data = cwd / "in.jsonl"
    data.write_text(json.dumps({"id": "a", "gold": "1/2", "response": r"\boxed{0.5}"}) + "\n")
    done = _run([str(bin_dir / "mathreward"), "verify", str(data), "--server",
                 f"127.0.0.1:{port}"], cwd, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[0])


def test_without_extras_serves_the_verifier_and_names_missing_extras(wheel, tmp_path) -> None:
    bin_dir = _venv(tmp_path, wheel, None)
    assert _run([str(bin_dir / "python"), "-c", "import torch"], tmp_path).returncode != 0
    proc, port, lines = _serve(bin_dir, tmp_path)
    try:
        assert "mathreward[prm]" in "".join(lines), "".join(lines)  # how to enable the PRM
        assert _verify_via_server(bin_dir, tmp_path, port)["verdict"] == "correct"
    finally:
        assert _stop(proc) == 0
    steps = tmp_path / "steps.jsonl"
    steps.write_text(json.dumps({"id": "s", "problem": "1+1?", "steps": ["1+1=2"]}) + "\n")
    for cmd, extra in ((["score-steps", str(steps)], "mathreward[prm]"),
                       (["bench", "sweep", "--workers", "1"], "mathreward[bench]")):
        done = _run([str(bin_dir / "mathreward"), *cmd], tmp_path, timeout=120)
        assert done.returncode != 0
        assert extra in done.stderr, done.stderr
        assert "Traceback" not in done.stderr, done.stderr


def test_bench_extra_runs_a_sweep(wheel, tmp_path) -> None:
    bin_dir = _venv(tmp_path, wheel, "bench")
    done = _run([str(bin_dir / "mathreward"), "bench", "sweep", "--workers", "1",
                 "--batch-sizes", "16", "--concurrency", "1", "--duration", "1", "--warmup", "0.2",
                 "--compare-items", "32",
                 "--json"], tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout)["rows"]
    assert rows and rows[0]["items"] > 0


def test_prm_extra_serves_the_bundled_model(wheel, tmp_path) -> None:
    bin_dir = _venv(tmp_path, wheel, "prm")
    env = {**_clean_env(), "OMP_NUM_THREADS": "1"}
    proc = None
    try:
        proc, port, lines = _serve(bin_dir, tmp_path)
        steps = tmp_path / "steps.jsonl"
        steps.write_text(json.dumps({"id": "s", "problem": "What is 2+3?",
                                     "steps": ["2 + 3 = 5.", "The answer is 5."]}) + "\n")
        done = _run([str(bin_dir / "mathreward"), "score-steps", str(steps), "--server",
                     f"127.0.0.1:{port}"], tmp_path, timeout=120, env=env)
        assert done.returncode == 0, done.stderr[-3000:]
        scores = json.loads(done.stdout.splitlines()[0])["step_scores"]
        assert len(scores) == 2 and all(0.0 <= s <= 1.0 for s in scores)
    finally:
        if proc is not None:
            assert _stop(proc) == 0
