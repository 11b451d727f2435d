"""ComputeReward with a real PRM engine on the CPU: aggregations, gating, mixes, steps, ablate.

Run: .venv/bin/pytest tests/trainers/test_prm_rewards.py -q
One server for the module with a real PrmEngine serving a tiny random-weight checkpoint in the
Qwen2.5-Math-PRM on-disk layout (`prm.testing`; the arithmetic, not the model's quality, is under
test here). The engine is deterministic, so one item's step scores compare across specs.
"""

from __future__ import annotations

import json
import math

import pytest

engine_module = pytest.importorskip("prm.engine", reason="the PRM engine (prm extra) is absent")

from mathreward.cli import main  # noqa: E402
from mathreward.config import ServerConfig  # noqa: E402
from mathreward.rewards import RewardItem  # noqa: E402
from verifier.types import Verdict  # noqa: E402

SOLUTION = ("Tom has 3 boxes of 4 apples, so he has 3 * 4 = 12 apples.\n\n"
            "He eats 2, so 12 - 2 = 10 apples are left.\n\n"
            "The final answer is $\\boxed{10}$.")
PROBLEM = "Tom has 3 boxes with 4 apples each. He eats 2 apples. How many apples are left?"
RIGHT = RewardItem(id="right", problem=PROBLEM, response=SOLUTION, gold="10")
WRONG = RewardItem(id="wrong", problem=PROBLEM, response=SOLUTION, gold="11")


@pytest.fixture(scope="module")
def prm_server(verifier_pool, tmp_path_factory):
    from mathreward.server import BackgroundServer
    from prm.testing import build_tiny_qwen_prm

    path = build_tiny_qwen_prm(tmp_path_factory.mktemp("prm") / "tiny")
    prm_config = engine_module.PrmConfig(model_path=str(path), device="cpu")
    config = ServerConfig(host="127.0.0.1", port=0, metrics_port=None, prm=prm_config,
                          grace_period_s=2.0, log_format="text")
    srv = BackgroundServer(config, verifier_pool, engine=engine_module.PrmEngine(config.prm))
    srv.prm_path = str(path)  # for the in-process comparison below
    try:
        yield srv
    finally:
        srv.stop(grace_s=1.0)


@pytest.fixture(scope="module")
def prm_client(prm_server):
    from mathreward.client import SyncRewardClient

    with SyncRewardClient(prm_server.address, timeout_s=120.0) as c:
        yield c


def test_prm_aggregations_use_the_same_step_scores(prm_client):
    scores = None
    for spec, agg in [("prm_min", min), ("prm_prod", math.prod),
                      ("prm_mean", lambda s: sum(s) / len(s)), ("prm_last", lambda s: s[-1])]:
        [outcome] = prm_client.compute_reward([RIGHT], spec)
        assert outcome.prm_scored and len(outcome.step_scores) == 3  # split on blank lines
        assert all(0.0 <= s <= 1.0 for s in outcome.step_scores)
        scores = scores or outcome.step_scores
        assert outcome.step_scores == pytest.approx(scores)
        assert outcome.reward == pytest.approx(agg(scores)) == pytest.approx(outcome.prm_aggregate)
        assert outcome.verdict is Verdict.CORRECT  # the verdict is always reported


def test_mixes_and_the_gate(prm_client):
    right, wrong = prm_client.compute_reward([RIGHT, WRONG], "orm+prm_min")
    prm = min(right.step_scores)
    assert right.reward == pytest.approx(0.5 + 0.5 * prm)
    assert wrong.reward == pytest.approx(0.5 * min(wrong.step_scores))
    right, wrong = prm_client.compute_reward([RIGHT, WRONG], "orm_gated_prm_min")
    assert right.reward == pytest.approx(0.5 + 0.5 * prm)
    assert wrong.reward == 0.0 and wrong.prm_scored  # scored, but gated off


def test_given_steps_and_unscorable_items(prm_client):
    given = RewardItem(id="steps", problem=PROBLEM, response="", gold="10",
                       steps=("3 * 4 = 12.", "12 - 2 = 10.", "The answer is \\boxed{10}."))
    empty = RewardItem(id="empty", problem=PROBLEM, response="", gold="10")
    steps, nothing = prm_client.compute_reward([given, empty], "orm+prm_mean")
    assert len(steps.step_scores) == 3 and steps.prm_scored
    assert not nothing.prm_scored and "prm" in nothing.reason
    assert nothing.reward == 0.0 and nothing.verdict is Verdict.NO_ANSWER


def test_ablate_with_prm_specs_on_the_server(prm_server, tmp_path, capsys):
    code = main(["ablate", "--demo", "--demo-problems", "4", "--demo-responses", "4",
                 "--specs", "orm,prm_min,prm_last,orm_gated_prm_min", "--out", str(tmp_path),
                 "--server", prm_server.address])
    assert code == 0
    data = json.loads((tmp_path / "ablation.json").read_text())
    assert set(data["best_of_n"]) == {"orm", "prm_min", "prm_last", "orm_gated_prm_min"}
    assert data["auroc"]["orm"] in (1.0, None)
    assert data["cost_s_per_item"]["prm_min"] > data["cost_s_per_item"]["orm"]
    assert "| prm_min |" in capsys.readouterr().out


def test_reward_command_in_process_prm_matches_the_server(prm_server, tmp_path):
    """LocalBackend (own pool + own engine on the same checkpoint) = the service's numbers."""
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": i.id, "problem": i.problem, "response": i.response,
                                        "gold": i.gold}) + "\n" for i in (RIGHT, WRONG)))
    local, remote = tmp_path / "local.jsonl", tmp_path / "remote.jsonl"
    common = ["reward", str(path), "--spec", "orm+prm_mean"]
    assert main([*common, "-o", str(local), "--workers", "1", "--prm", prm_server.prm_path,
                 "--device", "cpu"]) == 0
    assert main([*common, "-o", str(remote), "--server", prm_server.address]) == 0
    rows = [[json.loads(line) for line in f.read_text().splitlines()] for f in (local, remote)]
    for a, b in zip(*rows, strict=True):
        assert a["verdict"] == b["verdict"] and a["prm_scored"] and b["prm_scored"]
        assert a["step_scores"] == pytest.approx(b["step_scores"], abs=1e-5)
        assert a["reward"] == pytest.approx(b["reward"], abs=1e-5)
