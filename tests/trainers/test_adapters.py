"""Each trainer adapter's contract against a real server, and what it does when none answers.

Run: .venv/bin/pytest tests/trainers/test_adapters.py -q
The server is the shared real one (tests/conftest.py); "server down" is a real closed port.
"""

from __future__ import annotations

import asyncio
import inspect
import socket
import threading

import pytest

from mathreward.adapters import MissingGoldError, completion_text, config_from_env, prompt_text
from mathreward.adapters import openrlhf as openrlhf_adapter
from mathreward.adapters import trl as trl_adapter
from mathreward.adapters import verl as verl_adapter
from mathreward.adapters._remote import MicroBatcher, RewardServiceError, rewarder_for
from mathreward.rewards import RewardItem, RewardOutcome
from verifier.types import Verdict


@pytest.fixture(scope="module")
def closed_address() -> str:
    """A port that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


# -- shared text helpers ------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("plain \\boxed{1}", "plain \\boxed{1}"),
    ([{"role": "assistant", "content": "\\boxed{2}"}], "\\boxed{2}"),
    ([{"role": "assistant", "content": "a"}, {"role": "tool", "content": "t"},
      {"role": "assistant", "content": "b"}], "b"),
    ({"role": "assistant", "content": "c"}, "c"),
    ([], ""),
    (None, ""),
])
def test_completion_text(value, expected):
    assert completion_text(value) == expected


def test_prompt_text_takes_the_last_user_turn():
    chat = [{"role": "system", "content": "sys"}, {"role": "user", "content": "What is 1+1?"}]
    assert prompt_text(chat) == "What is 1+1?" and prompt_text("raw") == "raw"


# -- TRL ----------------------------------------------------------------------------------------

def test_trl_reward_func_contract(server):
    func = trl_adapter.make_reward_func(address=server.address, spec="orm_deepscaler")
    assert inspect.iscoroutinefunction(func.__call__) and func.__name__ == \
        "mathreward_orm_deepscaler"
    extra, metrics = {}, {}
    rewards = asyncio.run(func(
        prompts=["What is 2+2?", [{"role": "user", "content": "What is 3+3?"}], "x"],
        completions=["\\boxed{4}", [{"role": "assistant", "content": "\\boxed{7}"}], "hmm"],
        completion_ids=[[1], [2], [3]], answer=["4", "6", "1"], trainer_state=None,
        log_extra=extra.__setitem__, log_metric=metrics.__setitem__))
    assert rewards == [1.0, -1.0, -1.0] and all(isinstance(r, float) for r in rewards)
    assert extra["verdict"] == ["correct", "incorrect", "no_answer"]
    assert extra["extracted"] == ["4", "7", ""]
    assert metrics["mathreward/correct"] == pytest.approx(1 / 3)
    func.close()


def test_trl_reward_func_from_another_loop_each_call(server):
    """TRL awaits on its own daemon loop; a notebook may asyncio.run each time: both work."""
    func = trl_adapter.make_reward_func(address=server.address, answer_column="solution")
    for _ in range(2):
        assert asyncio.run(func(prompts=["p"], completions=["\\boxed{5}"],
                                solution=["5"])) == [1.0]
    func.close()


def test_trl_missing_answer_column_raises(server):
    func = trl_adapter.make_reward_func(address=server.address)
    with pytest.raises(MissingGoldError, match="'answer' or 'solution'"):
        asyncio.run(func(prompts=["p", "q"], completions=["\\boxed{1}", "x"], gold=["1", "2"]))
    func.close()


def test_trl_module_level_reward_reads_the_environment(server, monkeypatch):
    monkeypatch.setenv("MATHREWARD_ADDRESS", server.address)
    monkeypatch.setenv("MATHREWARD_SPEC", "orm_format_penalty")
    assert trl_adapter.reward.__name__ == "mathreward"
    rewards = asyncio.run(trl_adapter.reward(prompts=["p", "p"],
                                             completions=["\\boxed{3}", "no answer"],
                                             answer=["3", "3"]))
    assert rewards == [1.0, -1.0]


def test_trl_server_down_raises_unless_told_otherwise(closed_address):
    func = trl_adapter.make_reward_func(address=closed_address, timeout_s=2.0)
    with pytest.raises(RewardServiceError, match=closed_address):
        asyncio.run(func(prompts=["p"] * 3, completions=["\\boxed{1}"] * 3, answer=["1"] * 3))
    func.close()
    zero = trl_adapter.make_reward_func(address=closed_address, timeout_s=1.0, on_error="zero")
    assert asyncio.run(zero(prompts=["p"], completions=["\\boxed{1}"], answer=["1"])) == [0.0]
    zero.close()
    with pytest.raises(ValueError, match="on_error"):
        trl_adapter.make_reward_func(address=closed_address, on_error="ignore")


# -- veRL ---------------------------------------------------------------------------------------

def test_verl_compute_score_contract(server):
    result = verl_adapter.compute_score("openai/gsm8k", "so \\boxed{12}", "12",
                                        {"index": 3, "question": "6*2?"},
                                        address=server.address, reward_router_address=None)
    assert result == {"score": 1.0, "acc": True, "verdict": "correct", "pred": "12",
                      "prm_aggregate": 0.0, "prm_scored": False}
    wrong = verl_adapter.compute_score("x", "\\boxed{11}", "12", address=server.address)
    assert wrong["score"] == 0.0 and set(wrong) == set(result)  # same keys on every call


def test_verl_concurrent_sync_calls_are_coalesced(server):
    rewarder = rewarder_for(config_from_env(server.address, "orm"))
    before = rewarder.batches_sent
    results: list[dict] = [{}] * 16

    def call(i: int) -> None:
        results[i] = verl_adapter.compute_score("d", f"\\boxed{{{i}}}", str(i % 2),
                                                address=server.address, spec="orm")

    threads = [threading.Thread(target=call, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert [r["score"] for r in results] == [1.0 if i in (0, 1) else 0.0 for i in range(16)]
    assert rewarder.batches_sent - before < 16  # arrivals within 5 ms share a request


def test_verl_async_variant_is_coalesced(server):
    assert inspect.iscoroutinefunction(verl_adapter.compute_score_async)
    rewarder = rewarder_for(config_from_env(server.address, "orm"))

    async def main() -> list[dict]:
        before = rewarder.batches_sent
        out = await asyncio.gather(*(verl_adapter.compute_score_async(
            "d", f"\\boxed{{{i}}}", "3", address=server.address, spec="orm") for i in range(8)))
        assert rewarder.batches_sent - before == 1  # one event loop: one request
        return out

    results = asyncio.run(main())
    assert [r["acc"] for r in results] == [i == 3 for i in range(8)]


def test_verl_server_down_raises_unless_told_otherwise(closed_address, monkeypatch):
    monkeypatch.setenv("MATHREWARD_TIMEOUT_S", "2")
    with pytest.raises(RewardServiceError, match=closed_address):
        verl_adapter.compute_score("d", "\\boxed{1}", "1", address=closed_address)
    result = verl_adapter.compute_score("d", "\\boxed{1}", "1", address=closed_address,
                                        on_error="zero")
    assert result["score"] == 0.0 and result["verdict"] == "error"
    with pytest.raises(ValueError, match="TRL only"):
        verl_adapter.compute_score("d", "\\boxed{1}", "1", address=closed_address,
                                   on_error="none")


# -- OpenRLHF -----------------------------------------------------------------------------------

def test_openrlhf_reward_func_contract(server, monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("MATHREWARD_ADDRESS", server.address)
    monkeypatch.delenv("MATHREWARD_SPEC", raising=False)
    prompts = ["Example \\boxed{9}. Q: 2+2? A:", "Q: 3+3? A:"]
    queries = [prompts[0] + " no idea", prompts[1] + " \\boxed{6}"]
    out = openrlhf_adapter.reward_func(queries, prompts, ["9", "6"])
    assert set(out) == {"rewards", "scores", "extra_logs"}
    assert isinstance(out["rewards"], torch.Tensor) and out["rewards"].tolist() == [0.0, 1.0]
    assert out["scores"].tolist() == [0.0, 1.0]
    assert out["extra_logs"]["correct"].tolist() == [0.0, 1.0]


def test_openrlhf_loads_as_a_file_like_openrlhf_does(server, monkeypatch):
    import importlib.util

    monkeypatch.setenv("MATHREWARD_ADDRESS", server.address)
    spec = importlib.util.spec_from_file_location("reward_func", openrlhf_adapter.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.reward_func(["P: \\boxed{2}"], ["P:"], ["2"])
    assert out["rewards"].tolist() == [1.0]


def test_openrlhf_server_down_raises_unless_told_otherwise(closed_address, monkeypatch):
    monkeypatch.setenv("MATHREWARD_ADDRESS", closed_address)
    monkeypatch.setenv("MATHREWARD_TIMEOUT_S", "2")
    with pytest.raises(RewardServiceError, match=closed_address):
        openrlhf_adapter.reward_func(["q a"], ["q"], ["1"])
    monkeypatch.setenv("MATHREWARD_ON_ERROR", "zero")
    out = openrlhf_adapter.reward_func(["q a"], ["q"], ["1"])
    assert out["rewards"].tolist() == [0.0] and out["scores"].tolist() == [0.0]


# -- the micro-batcher on its own ---------------------------------------------------------------

def test_micro_batcher_flushes_on_size_and_on_time():
    sent: list[int] = []

    async def send(items: list[RewardItem]) -> list[RewardOutcome]:
        sent.append(len(items))
        return [RewardOutcome(id=i.id, reward=1.0, verdict=Verdict.CORRECT, extracted=None,
                              reason="") for i in items]

    async def main() -> None:
        batcher = MicroBatcher(send, max_items=4, max_wait_s=0.01)
        items = [RewardItem(id=str(i), problem="", response="", gold="") for i in range(6)]
        outcomes = await asyncio.gather(*(batcher.submit(it) for it in items))
        assert [o.id for o in outcomes] == [str(i) for i in range(6)]

    asyncio.run(main())
    assert sent == [4, 2]


# -- GSM8K's "#### X" final answers (issue 14 item 11; the extraction is verifier/extract.py's) --

def test_gsm8k_hash_answer_pays_through_the_adapters(server, monkeypatch):
    response = "Natalia sold 48/2 = 24 clips in May.\nShe sold 48+24 = 72 clips.\n#### 18"
    result = verl_adapter.compute_score("openai/gsm8k", response, "18", address=server.address)
    assert result["score"] == 1.0 and result["pred"] == "18"
    monkeypatch.setenv("MATHREWARD_ADDRESS", server.address)
    out = openrlhf_adapter.reward_func(["Q: how many? A: " + response + "</s>"],
                                       ["Q: how many? A:"], ["18"])
    assert out["rewards"].tolist() == [1.0]


def test_extraction_mode_from_the_environment(server, monkeypatch):
    """MATHREWARD_EXTRACTION=lenient reaches the server per request; strict stays the default,
    and an unknown mode is an error, not a silent default."""
    response = "Final answer\n18"
    strict = verl_adapter.compute_score("math", response, "18", address=server.address)
    assert strict["score"] == 0.0
    monkeypatch.setenv("MATHREWARD_EXTRACTION", "lenient")
    lenient = verl_adapter.compute_score("math", response, "18", address=server.address)
    assert lenient["score"] == 1.0
    monkeypatch.setenv("MATHREWARD_EXTRACTION", "loose")
    with pytest.raises(ValueError, match="MATHREWARD_EXTRACTION"):
        verl_adapter.compute_score("math", response, "18", address=server.address)
