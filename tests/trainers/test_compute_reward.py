"""ComputeReward over real gRPC and OpenRLHF's HTTP endpoint over real HTTP (no PRM here).

Run: .venv/bin/pytest tests/trainers/test_compute_reward.py -q
Uses the shared fixtures of tests/conftest.py (a real server on 127.0.0.1:<free port>).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import grpc
import pytest

from mathreward.config import Limits
from mathreward.errors import RewardRpcError
from mathreward.reward_spec import RewardSpec
from mathreward.rewards import RewardItem
from verifier.types import Verdict

ITEMS = [
    RewardItem(id="right", problem="2+2?", response="2 + 2 = 4, so \\boxed{4}.", gold="4"),
    RewardItem(id="wrong", problem="2+2?", response="I get \\boxed{5}.", gold="4"),
    RewardItem(id="none", problem="2+2?", response="I am not sure.", gold="4"),
]


@pytest.mark.parametrize(("spec", "expected"), [
    ("orm", [1.0, 0.0, 0.0]),
    ("orm_deepscaler", [1.0, -1.0, -1.0]),
    ("orm_format_penalty", [1.0, 0.0, -1.0]),
    (RewardSpec(correct_reward=2.0, incorrect_reward=-0.5, format_penalty_reward=-3.0),
     [2.0, -0.5, -3.0]),  # a custom spec travels field by field
    (RewardSpec(orm_weight=0.25), [0.25, 0.0, 0.0]),
])
def test_compute_reward_orm_specs(client, spec, expected):
    outcomes = client.compute_reward(ITEMS, spec)
    assert [o.id for o in outcomes] == ["right", "wrong", "none"]
    assert [o.reward for o in outcomes] == pytest.approx(expected)
    assert [o.verdict for o in outcomes] == [Verdict.CORRECT, Verdict.INCORRECT,
                                             Verdict.NO_ANSWER]
    assert outcomes[0].extracted == "4" and not any(o.prm_scored for o in outcomes)


def test_dict_items_and_empty_request(client):
    [outcome] = client.compute_reward([{"id": "d", "response": "\\boxed{7}", "gold": "7"}], "orm")
    assert outcome.reward == 1.0
    assert client.compute_reward([], "orm") == []


def test_prm_spec_on_a_server_without_prm_is_failed_precondition(client):
    with pytest.raises(RewardRpcError) as info:
        client.compute_reward(ITEMS, "prm_min")
    assert info.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert info.value.reason == "PRM_NOT_CONFIGURED" and "prm_min" in info.value.details


def test_unknown_preset_is_invalid_argument(client):
    with pytest.raises(RewardRpcError) as info:
        client.compute_reward(ITEMS, "prm_median")
    assert info.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert info.value.reason == "INVALID_OPTIONS"


def test_text_over_the_limit_is_an_item_verdict(make_server):
    from mathreward.client import SyncRewardClient

    srv = make_server(limits=Limits(max_text_bytes=200))
    items = [ITEMS[0], RewardItem(id="long", problem="", response="x" * 500 + "\\boxed{4}",
                                  gold="4")]
    with SyncRewardClient(srv.address, timeout_s=30.0) as c:
        first, long = c.compute_reward(items, "orm_deepscaler")
    assert first.verdict is Verdict.CORRECT and first.reward == 1.0
    assert long.verdict is Verdict.RESOURCE_LIMIT and long.reward == -1.0
    assert "limit" in long.reason


# -- OpenRLHF's HTTP endpoint -------------------------------------------------------------------

def _post(port: int, payload: object, path: str = "/get_reward") -> tuple[int, dict]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body,
                                      headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def http_server(make_server):
    srv = make_server(http_port=0)
    assert srv.handle.http_port
    return srv


def test_http_get_reward(http_server):
    prompts = ["<|user|>What is 2+2?<|assistant|>", "<|user|>What is 3+3?<|assistant|>"]
    queries = [prompts[0] + "It is \\boxed{4}.", prompts[1] + "It is \\boxed{7}."]
    status, data = _post(http_server.handle.http_port,
                         {"query": queries, "prompts": prompts, "labels": ["4", "6"]})
    assert status == 200
    assert data["rewards"] == [1.0, 0.0] and data["scores"] == [1.0, 0.0]
    assert data["extra_logs"] == {"correct": [1.0, 0.0], "prm_aggregate": [0.0, 0.0],
                                  "prm_scored": [0.0, 0.0], "unlocated": [0.0, 0.0]}
    status, data = _post(http_server.handle.http_port,
                         {"query": queries, "prompts": prompts, "labels": ["4", "6"],
                          "spec": "orm_deepscaler"})
    assert status == 200 and data["rewards"] == [1.0, -1.0]


def test_http_prompt_is_stripped_before_grading(http_server):
    # The prompt itself contains a boxed answer; only the response's box may count.
    prompt = "Example: \\boxed{9}. Now: what is 2+2? "
    status, data = _post(http_server.handle.http_port,
                         {"query": [prompt + "no idea"], "prompts": [prompt], "labels": ["9"]})
    assert status == 200 and data["rewards"] == [0.0]


@pytest.mark.parametrize(("payload", "path", "status"), [
    (b"{not json", "/get_reward", 400),
    ({"query": ["a", "b"], "prompts": ["a"], "labels": ["1", "2"]}, "/get_reward", 400),
    ({"query": "a"}, "/get_reward", 400),
    ({"query": ["a"], "prompts": ["a"], "labels": ["1"], "spec": "nope"}, "/get_reward", 400),
    ({"query": ["a"], "prompts": ["a"], "labels": ["1"], "spec": "prm_min"}, "/get_reward", 412),
    ({"query": []}, "/elsewhere", 404),
])
def test_http_errors(http_server, payload, path, status):
    code, data = _post(http_server.handle.http_port, payload, path)
    assert code == status and data["error"]
    # ... and the server lives on.
    assert _post(http_server.handle.http_port, {"query": ["\\boxed{1}"], "prompts": [""],
                                                "labels": ["1"]})[1]["rewards"] == [1.0]
