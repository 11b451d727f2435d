"""An ensemble checkpoint (`prm_train.ensemble`) scores as sigmoid of its members' mean log-odds,
each member being a complete checkpoint scored on its own by the same engine; members that do
not share a vocabulary or an architecture are refused."""

from __future__ import annotations

import json
import math
import shutil

import pytest
import torch

from prm import formats
from prm.testing import build_tiny_math_shepherd, build_tiny_qwen_prm, engine_step_scores
from prm_train import ensemble

PROBLEM = "Tom buys 3 apples and 4 eggs. How many items?"
STEPS = ["He buys 3 + 4 = 7 items.", "So the total is 8.", "The answer is \\boxed{8}."]


def _scores(path) -> list[float]:
    return engine_step_scores(path, PROBLEM, STEPS)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


@pytest.mark.parametrize("bundled_variant", [False, True])
def test_ensemble_scores_are_the_mean_member_log_odds(tmp_path, bundled_variant):
    members = [build_tiny_qwen_prm(tmp_path / f"m{k}", seed=k, system_prompt=not bundled_variant)
               for k in range(3)]
    out = tmp_path / "ens"
    assert ensemble.main([*map(str, members), "--out", str(out)]) == 0
    spec = formats.detect(out)[1]
    assert spec.members == ("member-0.safetensors", "member-1.safetensors",
                            "member-2.safetensors")
    assert spec.step_features is bundled_variant
    per_member = [_scores(m) for m in members]
    assert per_member[0] != pytest.approx(per_member[1], abs=1e-3)  # the members do differ
    expected = [1 / (1 + math.exp(-sum(_logit(s[i]) for s in per_member) / 3))
                for i in range(len(STEPS))]
    assert _scores(out) == pytest.approx(expected, abs=1e-5)
    card = json.loads((out / "training.json").read_text())
    assert [m["file"] for m in card["members"]] == list(spec.members)


def test_members_must_share_the_vocabulary(tmp_path, capsys):
    a = build_tiny_qwen_prm(tmp_path / "a")
    b = build_tiny_qwen_prm(tmp_path / "b", seed=1)
    other = build_tiny_math_shepherd(tmp_path / "other")  # its vocabulary has one more word
    shutil.copyfile(other / "tokenizer.json", b / "tokenizer.json")
    assert ensemble.main([str(a), str(b), "--out", str(tmp_path / "ens")]) == 2
    assert "tokenizer.json differs" in capsys.readouterr().err
    assert not (tmp_path / "ens").exists()


def test_members_must_share_the_architecture(tmp_path):
    a = build_tiny_qwen_prm(tmp_path / "a")
    b = build_tiny_qwen_prm(tmp_path / "b", hidden=48)
    with pytest.raises(formats.PrmFormatError, match="architecture"):
        ensemble.pack([a, b], tmp_path / "ens")
    with pytest.raises(formats.PrmFormatError, match="at least two"):
        ensemble.pack([a], tmp_path / "ens")


def test_loader_refuses_missing_or_mismatched_member_files(tmp_path):
    a = build_tiny_qwen_prm(tmp_path / "a")
    b = build_tiny_qwen_prm(tmp_path / "b", seed=1)
    out = ensemble.pack([a, b], tmp_path / "ens")
    (out / "member-1.safetensors").unlink()
    with pytest.raises(formats.PrmFormatError, match="member files missing"):
        formats.load(out, torch.device("cpu"), torch.float32)
    wide = build_tiny_qwen_prm(tmp_path / "wide", hidden=48)
    shutil.copyfile(wide / "model.safetensors", out / "member-1.safetensors")
    with pytest.raises(formats.PrmFormatError, match="member-1.safetensors"):
        formats.load(out, torch.device("cpu"), torch.float32)
