"""`mathreward score-steps` in-process on a tiny real model: order, ids, response splitting,
per-item status for items that cannot be scored."""

from __future__ import annotations

import json

from mathreward.cli import main
from prm.testing import build_tiny_qwen_prm


def test_score_steps_in_process(tmp_path):
    model = build_tiny_qwen_prm(tmp_path / "m", max_length=128)
    src = tmp_path / "in.jsonl"
    rows = [
        {"id": "a", "problem": "p", "steps": ["1 + 1 = 2", "so 2"]},
        {"id": "b", "problem": "q", "response": "<think>x\n\ny</think>s1\n\ns2\n\ns3"},
        {"id": "c", "problem": "r", "steps": ["word " * 300]},
        {"id": "d", "problem": "s", "steps": []},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    rc = main(["score-steps", str(src), "-o", str(out), "--prm", str(model), "--device", "cpu",
               "--max-batch-size", "2"])
    assert rc == 0
    got = [json.loads(line) for line in out.read_text().splitlines()]
    assert [g["id"] for g in got] == ["a", "b", "c", "d"]
    assert len(got[0]["step_scores"]) == 2 and "status" not in got[0]
    assert len(got[1]["step_scores"]) == 3
    assert got[2]["status"] == "too_long" and got[2]["step_scores"] == []
    assert got[3]["status"] == "no_steps"
    assert all(0.0 <= s <= 1.0 for g in got for s in g["step_scores"])


def test_score_steps_via_server_matches_in_process(tmp_path, make_server):
    from prm.engine import PrmConfig, PrmEngine

    model = build_tiny_qwen_prm(tmp_path / "m", max_length=128)
    src = tmp_path / "in.jsonl"
    rows = [{"id": f"r{i}", "problem": f"p{i}", "steps": [f"{i} + 1 = {i + 1}"] * (i % 3 + 1)}
            for i in range(7)]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = PrmConfig(model_path=str(model), device="cpu")
    srv = make_server(engine=PrmEngine(config), prm=config)
    remote, local = tmp_path / "remote.jsonl", tmp_path / "local.jsonl"
    assert main(["score-steps", str(src), "-o", str(remote), "--server", srv.address]) == 0
    assert main(["score-steps", str(src), "-o", str(local), "--prm", str(model),
                 "--device", "cpu"]) == 0
    got = [json.loads(line) for line in remote.read_text().splitlines()]
    want = [json.loads(line) for line in local.read_text().splitlines()]
    assert [g["id"] for g in got] == [r["id"] for r in rows]
    for g, w in zip(got, want, strict=True):
        assert len(g["step_scores"]) == len(w["step_scores"])
        assert all(abs(a - b) < 1e-4 for a, b in zip(g["step_scores"], w["step_scores"],
                                                       strict=True))


def test_score_steps_without_a_running_server_is_one_line(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "problem": "p", "steps": ["x"]}) + "\n")
    assert main(["score-steps", str(src), "--server", "127.0.0.1:1"]) == 1
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert line.startswith("mathreward score-steps: server 127.0.0.1:1: UNAVAILABLE")
    assert captured.out == ""
