"""TRL 1.16: failures and gold columns through TRL's own `GRPOTrainer._calculate_rewards`.

Run: PYTHONPATH=$PWD .venv/bin/pytest tests/trainers/test_trl_errors.py -q
A real GRPOTrainer (the tiny random Qwen2 of test_trl_run.py, on the CPU) is built with the
adapter as its reward function; `_calculate_rewards` is the method its training step calls with
the batch's prompts, completions and dataset columns. No silent zeros: the server down raises
(or, by choice, zero / None), a missing gold column raises naming what was looked for.
"""

from __future__ import annotations

import math
import socket

import pytest

trl = pytest.importorskip("trl", reason="the 'trainers' extra (trl) is not installed")

from datasets import Dataset  # noqa: E402

from mathreward.adapters import MissingGoldError  # noqa: E402
from mathreward.adapters._remote import RewardServiceError  # noqa: E402
from mathreward.adapters.trl import make_reward_func  # noqa: E402
from trainers.test_trl_run import build_tiny_policy  # noqa: E402

WORKED = "We add: 2 + 2 = 4.\n\nSo the answer is $\\boxed{4}$."


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    path = tmp_path_factory.mktemp("policy")
    return str(path), build_tiny_policy(str(path))


@pytest.fixture
def closed_address() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("MATHREWARD_ON_ERROR", "MATHREWARD_ANSWER_COLUMN", "MATHREWARD_ADDRESS"):
        monkeypatch.delenv(name, raising=False)


def rewards_through_trl(policy, tmp_path, reward, rows: list[dict], completions: list[str]):
    """TRL's `_calculate_rewards` for one batch: rows are dataset rows (prompt + columns)."""
    path, tokenizer = policy
    args = trl.GRPOConfig(output_dir=str(tmp_path / "out"), per_device_train_batch_size=2,
                          num_generations=2, max_completion_length=8, use_vllm=False,
                          report_to=[], use_cpu=True, bf16=False, disable_tqdm=True)
    trainer = trl.GRPOTrainer(model=path, reward_funcs=[reward], args=args,
                              train_dataset=Dataset.from_list(rows), processing_class=tokenizer)
    prompts = [row["prompt"] for row in rows]
    ids = [tokenizer(c)["input_ids"] for c in completions]
    out = trainer._calculate_rewards(rows, prompts, completions, ids)
    return [float(x) for x in out[:, 0]]


def test_server_down_raises_naming_the_address(policy, tmp_path, closed_address):
    reward = make_reward_func(address=closed_address, timeout_s=2.0)
    rows = [{"prompt": "What is 2+2? ", "answer": "4"}] * 2
    with pytest.raises(RewardServiceError, match=closed_address):
        rewards_through_trl(policy, tmp_path, reward, rows, ["\\boxed{4}", "5"])
    reward.close()


@pytest.mark.parametrize(("how", "expected"), [("zero", [0.0, 0.0]), ("none", "nan")])
def test_server_down_by_choice_zero_or_none(policy, tmp_path, closed_address, monkeypatch,
                                            how, expected):
    monkeypatch.setenv("MATHREWARD_ON_ERROR", how)  # the environment, read at call time
    reward = make_reward_func(address=closed_address, timeout_s=1.0)
    rows = [{"prompt": "What is 2+2? ", "answer": "4"}] * 2
    got = rewards_through_trl(policy, tmp_path, reward, rows, ["\\boxed{4}", "5"])
    assert got == expected if expected != "nan" else all(math.isnan(r) for r in got)
    reward.close()


def test_missing_gold_column_raises_naming_it(policy, tmp_path, server):
    reward = make_reward_func(address=server.address)
    rows = [{"prompt": "What is 2+2? ", "gold": "4"}] * 2
    with pytest.raises(MissingGoldError, match="'answer' or 'solution'.*'gold'"):
        rewards_through_trl(policy, tmp_path, reward, rows, ["\\boxed{4}", "5"])
    named = make_reward_func(address=server.address, answer_column="target")
    with pytest.raises(MissingGoldError, match="answer_column='target'"):
        rewards_through_trl(policy, tmp_path, named, rows, ["\\boxed{4}", "5"])
    reward.close()
    named.close()


def test_answer_column_from_the_environment(policy, tmp_path, server, monkeypatch):
    monkeypatch.setenv("MATHREWARD_ANSWER_COLUMN", "gold")
    reward = make_reward_func(address=server.address)
    rows = [{"prompt": "What is 2+2? ", "gold": "4"}] * 2
    assert rewards_through_trl(policy, tmp_path, reward, rows, ["\\boxed{4}", "5"]) == [1.0, 0.0]
    reward.close()


def test_trl_solution_column_with_a_worked_solution(policy, tmp_path, server):
    """TRL's accuracy_reward reads `solution`; a worked solution's last box is the gold."""
    reward = make_reward_func(address=server.address)
    rows = [{"prompt": "What is 2+2? ", "solution": WORKED}] * 2
    assert rewards_through_trl(policy, tmp_path, reward, rows, ["\\boxed{4}", "5"]) == [1.0, 0.0]
    reward.close()
