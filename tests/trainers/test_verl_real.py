"""The veRL adapter driven by veRL 0.9.1's own code against a real server.

Run: PYTHONPATH=$PWD .venv/bin/pytest tests/trainers/test_verl_real.py -q
(`verl` installed with --no-deps plus the modules its reward path imports, by scripts/setup.sh;
skipped where it is absent.)

What runs is veRL's: its Hydra config tree (`verl/trainer/config/ppo_trainer.yaml`) composed with
the overrides documented in docs/trainers.md, `get_custom_reward_fn` (the loader),
`load_reward_manager` and the reward loop's `RewardLoopWorker.compute_score_batch`, which calls
the naive / dapo managers' `run_single` per sample, as `RewardLoopManager`'s Ray actors do.
The `remote` manager's pickling (cloudpickle of the loaded function into a Ray worker) is done
here into a fresh Python process, which then calls the real server with the unpickled function;
and the `remote` manager itself runs once on a local 2-CPU Ray cluster (marked slow, ~30 s).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("verl.trainer.ppo.reward", reason="verl is not installed")

import cloudpickle  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import verl  # noqa: E402
from hydra import compose, initialize_config_dir  # noqa: E402
from verl import DataProto  # noqa: E402
from verl.experimental.reward_loop.reward_loop import RewardLoopWorker  # noqa: E402
from verl.experimental.reward_loop.reward_manager import get_reward_manager_cls  # noqa: E402
from verl.trainer.ppo.reward import get_custom_reward_fn  # noqa: E402

from mathreward.adapters import verl as adapter  # noqa: E402
from mathreward.adapters._remote import rewarder_for  # noqa: E402
from trainers.chat_fixtures import build_tokenizer  # noqa: E402
from trainers.doc_blocks import doc_block, shell_words  # noqa: E402

CONFIG_DIR = str(Path(verl.__file__).parent / "trainer" / "config")


def documented_overrides(name: str, address: str, tokenizer_dir: str | None = None) -> list[str]:
    """The override lines of docs/trainers.md's block `name`, with this test's paths filled in."""
    words = shell_words(doc_block(name))
    assert words[:3] == ["python", "-m", "verl.trainer.main_ppo"], words
    lines = [w.replace("$ADAPTER", adapter.__file__).replace("HOST:50051", address)
             for w in words[3:]]
    if tokenizer_dir is not None:
        lines.append(f"actor_rollout_ref.model.path={tokenizer_dir}")
    return lines


def compose_config(overrides: list[str]):
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        return compose("ppo_trainer", overrides=overrides)


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("verl-tok")
    build_tokenizer("qwen", str(path))
    return str(path)


def make_batch(tokenizer, responses: list[str], golds: list[str]) -> DataProto:
    """A rollout batch as veRL's agent loop hands it to the reward loop (right-padded responses)."""
    prompt = tokenizer("What is 6*2?", add_special_tokens=False)["input_ids"]
    encoded = [tokenizer(r + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
               for r in responses]
    width = max(len(e) for e in encoded)
    pad = tokenizer.pad_token_id
    resp = torch.tensor([e + [pad] * (width - len(e)) for e in encoded])
    prompts = torch.tensor([prompt] * len(responses))
    mask = torch.tensor([[1] * len(prompt) + [1] * len(e) + [0] * (width - len(e))
                         for e in encoded])
    non_tensors = {
        "data_source": np.array(["openai/gsm8k"] * len(responses), dtype=object),
        "reward_model": np.array([{"ground_truth": g, "style": "rule"} for g in golds],
                                 dtype=object),
        "extra_info": np.array([{"index": i, "question": "What is 6*2?"}
                                for i in range(len(responses))], dtype=object),
    }
    return DataProto.from_dict(tensors={"prompts": prompts, "responses": resp,
                                        "attention_mask": mask}, non_tensors=non_tensors)


# -- 6. the documented config is what veRL loads --------------------------------------------------

@pytest.mark.parametrize("block", ["verl-async", "verl-sync", "verl-remote"])
def test_documented_config_loads_our_function(block, server):
    config = compose_config(documented_overrides(block, server.address))
    fn = get_custom_reward_fn(config)
    assert fn is not None and fn.args[0].__name__ == config.reward.custom_reward_function.name
    assert fn.args[1] == {"address": server.address, "spec": "orm"}
    assert get_reward_manager_cls(config.reward.reward_manager.name) is not None


def test_top_level_custom_reward_function_is_ignored_by_verl():
    """Why the docs must use reward.custom_reward_function: the old key loads nothing."""
    config = compose_config([f"custom_reward_function.path={adapter.__file__}",
                             "custom_reward_function.name=compute_score"])
    assert get_custom_reward_fn(config) is None  # veRL would silently use its own scorer


def test_batch_reward_manager_does_not_exist_in_0_9_1():
    config = compose_config(["reward.reward_manager.name=batch"])
    with pytest.raises(ValueError, match="Unknown reward manager: batch"):
        get_reward_manager_cls(config.reward.reward_manager.name)


# -- 7. the reward loop's managers, batched by the adapter ------------------------------------

@pytest.mark.parametrize(("block", "manager"), [("verl-async", "naive"), ("verl-async", "dapo"),
                                                ("verl-sync", "naive")])
def test_reward_loop_worker_scores_a_batch(block, manager, server, tokenizer_dir):
    overrides = documented_overrides(block, server.address, tokenizer_dir)
    overrides.append(f"reward.reward_manager.name={manager}")
    worker = RewardLoopWorker(compose_config(overrides))
    assert type(worker.reward_manager).__name__.lower().startswith(manager)
    responses = [f"6 times 2 is {12 + (i % 3)}. The answer is {12 + (i % 3)}" for i in range(24)]
    data = make_batch(worker.input_tokenizer, responses, ["12"] * 24)
    rewarder = rewarder_for(adapter.config_from_env(server.address, "orm"))
    before = rewarder.batches_sent
    outputs = worker.loop.run_until_complete(worker.compute_score_batch(data))
    assert [o["reward_score"] for o in outputs] == [1.0 if i % 3 == 0 else 0.0 for i in range(24)]
    keys = {tuple(sorted(o["reward_extra_info"])) for o in outputs}
    assert len(keys) == 1  # the same extra-info columns for every sample
    if block == "verl-async":  # 24 concurrent samples on one loop: coalesced into few RPCs
        assert rewarder.batches_sent - before < 24


# -- 8. the remote manager's pickling --------------------------------------------------------

CALL_UNPICKLED = """
import pickle, sys
fn = pickle.loads(sys.stdin.buffer.read())
out = fn(data_source="openai/gsm8k", solution_str="so \\\\boxed{12}", ground_truth="12",
         extra_info={"index": 0})
print(out["score"], out["verdict"])
"""


def test_remote_manager_function_pickles_into_a_fresh_process(server, tokenizer_dir):
    """veRL's remote manager sends the loaded function to Ray workers with cloudpickle (by value:
    the file-loaded module is not importable); it must carry no client or lock."""
    config = compose_config(documented_overrides("verl-remote", server.address, tokenizer_dir))
    fn = get_custom_reward_fn(config)
    fn(data_source="d", solution_str="\\boxed{1}", ground_truth="1")  # a live client here
    blob = cloudpickle.dumps(fn)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", CALL_UNPICKLED], input=blob, env=env,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout.decode().split() == ["1.0", "correct"]


@pytest.mark.slow
def test_remote_manager_on_a_local_ray_cluster(server, tokenizer_dir):
    """veRL's `remote` manager for real: Ray actors (`RewardComputeWorker`) receive the function
    loaded from the documented file path, pickled by Ray, and call the server (~30 s on 2 CPUs)."""
    ray = pytest.importorskip("ray")
    from transformers import AutoTokenizer
    from verl.trainer.ppo.reward import load_reward_manager

    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=80 * 1024 * 1024,
             runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(sys.path)}})
    try:
        overrides = documented_overrides("verl-remote", server.address, tokenizer_dir)
        config = compose_config([*overrides, "reward.num_workers=1"])  # one actor on 2 CPUs
        manager = load_reward_manager(config, AutoTokenizer.from_pretrained(tokenizer_dir))
        assert type(manager).__name__ == "RemoteRewardManager"
        data = make_batch(manager.tokenizer, ["The answer is 12", "The answer is 13",
                                              "so \\boxed{12}"], ["12"] * 3)

        async def score_all():
            return await asyncio.gather(*(manager.run_single(data[i:i + 1]) for i in range(3)))

        outputs = manager.loop.run_until_complete(score_all())
        assert [o["reward_score"] for o in outputs] == [1.0, 0.0, 1.0]
        assert outputs[2]["reward_extra_info"]["verdict"] == "correct"
    finally:
        ray.shutdown()


# -- 10. failures are loud --------------------------------------------------------------------

def test_server_down_raises_after_retrying(tokenizer_dir, monkeypatch):
    from mathreward.adapters._remote import RewardServiceError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("MATHREWARD_TIMEOUT_S", "2")
    monkeypatch.delenv("MATHREWARD_ON_ERROR", raising=False)
    config = compose_config(documented_overrides("verl-async", address, tokenizer_dir))
    worker = RewardLoopWorker(config)
    data = make_batch(worker.input_tokenizer, ["The answer is 12"], ["12"])
    with pytest.raises(RewardServiceError, match=address):
        worker.loop.run_until_complete(worker.compute_score_batch(data))
    zero = adapter.compute_score("d", "\\boxed{1}", "1", address=address, on_error="zero")
    assert zero["score"] == 0.0 and zero["verdict"] == "error"


def test_missing_ground_truth_raises(server):
    with pytest.raises(ValueError, match="ground_truth"):
        adapter.compute_score("d", "\\boxed{1}", None, address=server.address)
    with pytest.raises(ValueError, match="ground_truth"):
        adapter.compute_score("d", "\\boxed{1}", {"solution": "1"}, address=server.address)
