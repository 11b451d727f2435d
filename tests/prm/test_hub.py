"""`--prm` takes a directory or a Hugging Face model id resolved from the LOCAL cache only
(HF_HOME, huggingface_hub's layout); a missing id is one clear line, not a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from prm.hub import CheckpointNotFound, resolve_checkpoint
from prm.testing import build_hub_qwen_math_prm, engine_step_scores


def _fake_cache(home, repo_id: str, source) -> str:
    """models--org--name/{refs/main, snapshots/<rev>/...} under $HF_HOME/hub."""
    rev = "0123456789abcdef0123456789abcdef01234567"
    repo = home / "hub" / ("models--" + repo_id.replace("/", "--"))
    shutil.copytree(source, repo / "snapshots" / rev)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(rev)
    return str(repo / "snapshots" / rev)


def test_model_id_resolves_from_the_local_cache(tmp_path, monkeypatch):
    src = build_hub_qwen_math_prm(tmp_path / "src")
    home = tmp_path / "hf"
    snapshot = _fake_cache(home, "Qwen/Qwen2.5-Math-PRM-7B", src)
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert os.path.samefile(resolve_checkpoint("Qwen/Qwen2.5-Math-PRM-7B"), snapshot)
    assert resolve_checkpoint(str(src)) == str(src)  # a directory stays itself
    by_id = engine_step_scores("Qwen/Qwen2.5-Math-PRM-7B", "p", ["1 + 1 = 2", "so 2"])
    assert by_id == pytest.approx(engine_step_scores(src, "p", ["1 + 1 = 2", "so 2"]), abs=1e-6)


def test_missing_model_id_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    with pytest.raises(CheckpointNotFound) as exc:
        resolve_checkpoint("Qwen/Qwen2.5-Math-PRM-7B")
    msg = str(exc.value)
    assert str(tmp_path / "hf" / "hub" / "models--Qwen--Qwen2.5-Math-PRM-7B") in msg
    assert "hf download Qwen/Qwen2.5-Math-PRM-7B" in msg and "\n" not in msg
    with pytest.raises(CheckpointNotFound, match="no such directory"):
        resolve_checkpoint(str(tmp_path / "nowhere" / "deep" / "dir"))


def test_serve_with_a_missing_model_id_exits_with_one_line(tmp_path):
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1"}
    env.pop("HF_HUB_CACHE", None)
    proc = subprocess.run([sys.executable, "-m", "mathreward", "serve", "--port", "0",
                           "--metrics-port", "-1", "--prm", "org/missing-prm"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "org/missing-prm" in lines[0] and "hf download" in lines[0]
    assert "Traceback" not in proc.stderr
