"""The OpenRLHF adapter driven by OpenRLHF 0.11.2's own code against a real server.

Run: PYTHONPATH=$PWD .venv/bin/pytest tests/trainers/test_openrlhf_real.py -q
(`openrlhf` installed with --no-deps by scripts/setup.sh; skipped where it is absent.)

What runs is OpenRLHF's: `preprocess_data` renders the prompt with the tokenizer's chat template,
`SingleTurnAgentExecutor` loads our file as `--reward.remote_url FILE.py` (or posts to the
HTTP gateway), `execute()` tokenizes the prompt, truncates it from the left, decodes prompt +
response with special tokens kept and calls the reward; `_process_response_into_experience`,
`make_experience_batch` and `split_experience_batch` batch the samples as a training step does.
The one stand-in is the generator: `ScriptedEngine` answers `generate()` with the token ids of a
given text, as vLLM's engine would (vLLM needs a GPU). Tokenizers and chat templates:
tests/trainers/chat_fixtures.py (Qwen2.5, Llama 3.1, Mistral v0.3, written by hand).
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import logging
import socket
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

agent = pytest.importorskip("openrlhf.utils.agent", reason="openrlhf is not installed")

import torch  # noqa: E402
from openrlhf.datasets.prompts_dataset import preprocess_data  # noqa: E402
from openrlhf.trainer.ppo_utils import experience as openrlhf_experience  # noqa: E402

from mathreward.adapters import openrlhf as adapter  # noqa: E402
from trainers.chat_fixtures import FAMILIES, build_tokenizer  # noqa: E402

ADAPTER_FILE = adapter.__file__
SYSTEM = "Put the final answer in a box like \\boxed{7}."  # a paying answer for gold "7"
QUESTION = "What is 6*2?"


class ScriptedEngine:
    """Stands in for vLLM's engine only: `generate` returns the token ids of `text`."""

    def __init__(self, tokenizer, text: str) -> None:
        self.tokenizer, self.text = tokenizer, text
        self.prompt_ids: list[int] = []

    async def generate(self, prompt_token_ids, sampling_params, multi_modal_data=None):
        self.prompt_ids = list(prompt_token_ids)
        ids = self.tokenizer(text=self.text, add_special_tokens=False)["input_ids"]
        out = SimpleNamespace(token_ids=ids, text=self.text, finish_reason="stop", logprobs=None)
        return SimpleNamespace(outputs=[out])


def openrlhf_function(module, name: str, **namespace):
    """A function from an OpenRLHF module's source whose module imports vLLM (absent on CPU):
    its definition is compiled from the installed file, unchanged, into `namespace`."""
    path = Path(agent.__file__).parents[1] / module
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            code = compile(ast.Module(body=[node], type_ignores=[]), str(path), "exec")
            exec(code, namespace)  # noqa: S102 - OpenRLHF's own installed source
            return namespace[name]
    raise LookupError(f"{name} not in {path}")


def to_experience(response: dict):
    fn = openrlhf_function("trainer/ppo_utils/samples_generator.py",
                           "_process_response_into_experience", torch=torch,
                           Experience=openrlhf_experience.Experience)
    return fn(None, response, max_len=4096)


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory):
    root = tmp_path_factory.mktemp("tok")
    made = {name: build_tokenizer(name, str(root / name)) for name in FAMILIES}
    made["qwen-nfkc"] = build_tokenizer("qwen", str(root / "nfkc"), nfkc=True)
    return made


def prompt_for(tokenizer, family: str, question: str = QUESTION, system: str = SYSTEM) -> str:
    """OpenRLHF's own prompt rendering (`--data.apply_chat_template`)."""
    data = {"input": f"{system}\n\n{question}" if family == "mistral" else
            [{"role": "system", "content": system}, {"role": "user", "content": question}]}
    prompt, _ = preprocess_data(data, input_key="input", label_key=None,
                                apply_chat_template=tokenizer.apply_chat_template)
    return prompt


def execute(executor, tokenizer, prompt: str, label: str, response_text: str,
            truncate: float = 0.0) -> dict:
    """OpenRLHF's execute(); `truncate` > 0 makes it cut that fraction of the prompt's tokens."""
    engine = ScriptedEngine(tokenizer, response_text)
    prompt_len = len(tokenizer(text=prompt, add_special_tokens=False)["input_ids"])
    truncate_tokens = int(prompt_len * truncate)
    max_tokens = 64
    params = SimpleNamespace(max_tokens=max_tokens, logprobs=None)
    out = asyncio.run(executor.execute(prompt, label, params, prompt_len - truncate_tokens
                                       + max_tokens, tokenizer, engine))
    assert len(engine.prompt_ids) == prompt_len - truncate_tokens  # OpenRLHF really truncated
    return out


@pytest.fixture
def file_executor(server, monkeypatch):
    monkeypatch.setenv("MATHREWARD_ADDRESS", server.address)
    for name in ("MATHREWARD_SPEC", "MATHREWARD_ON_ERROR", "MATHREWARD_TIMEOUT_S"):
        monkeypatch.delenv(name, raising=False)
    return agent.SingleTurnAgentExecutor(remote_rm_url=ADAPTER_FILE)


# -- 1. end-of-turn tokens ------------------------------------------------------------------------

@pytest.mark.parametrize("family", list(FAMILIES))
def test_statement_answer_before_the_eos_token_pays(family, tokenizers, file_executor):
    """'The answer is 12<|im_end|>' was graded with the token on it: unparseable, 0."""
    tok = tokenizers[family]
    out = execute(file_executor, tok, prompt_for(tok, family), "12",
                  "6 times 2 is 12. The answer is 12" + FAMILIES[family].eos)
    assert out["reward"].item() == 1.0 and out["scores"].item() == 1.0


# -- 2. the response located, never the prompt graded -----------------------------------------

@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("truncate", [0.0, 0.3, 0.7])
def test_boxed_example_in_the_prompt_never_pays(family, truncate, tokenizers, file_executor):
    """Gold 7 = the prompt's example; the response has no answer: 0, truncated or not."""
    tok = tokenizers[family]
    prompt = prompt_for(tok, family)
    out = execute(file_executor, tok, prompt, "7", "I am not sure." + FAMILIES[family].eos,
                  truncate=truncate)
    assert out["reward"].item() == 0.0
    assert out["extra_logs"]["unlocated"].item() == 0.0  # located, graded, not paid
    good = execute(file_executor, tok, prompt, "12", "\\boxed{12}" + FAMILIES[family].eos,
                   truncate=truncate)
    assert good["reward"].item() == 1.0


def test_unicode_normalising_tokenizer(tokenizers, file_executor):
    """An NFKC tokenizer does not give the full-width prompt back; the response is still found."""
    tok = tokenizers["qwen-nfkc"]
    prompt = prompt_for(tok, "qwen", question="What is ６*２? Give the ﬁnal answer.")
    assert tok.decode(tok(text=prompt, add_special_tokens=False)["input_ids"]) != prompt
    assert execute(file_executor, tok, prompt, "7", "I am not sure.<|im_end|>")["reward"] == 0.0
    assert execute(file_executor, tok, prompt, "12", "\\boxed{12}<|im_end|>")["reward"] == 1.0


def test_unlocatable_response_pays_zero_and_is_counted(server, monkeypatch, caplog):
    """A plain prompt (no template), truncated and re-spaced: reward 0, flagged, not graded
    (the old code graded the whole query: the prompt's \\boxed{7} paid 1.0)."""
    monkeypatch.setenv("MATHREWARD_ADDRESS", server.address)
    prompt = "Example: \\boxed{7}. Q: 3+4?"
    with caplog.at_level(logging.WARNING):
        out = adapter.reward_func(["\\boxed{7}. Q: 3 + 4 ? hmm"], [prompt], ["7"])
    assert out["rewards"].tolist() == [0.0] and out["extra_logs"]["unlocated"].tolist() == [1.0]
    assert "unlocated" in caplog.text


# -- 3. extra_logs: same keys for every sample; OpenRLHF's batching accepts them ----------------

@pytest.fixture(scope="module")
def prm_server(verifier_pool, tmp_path_factory):
    engine_module = pytest.importorskip("prm.engine")
    from mathreward.config import ServerConfig
    from mathreward.server import BackgroundServer
    from prm.testing import build_tiny_qwen_prm

    path = build_tiny_qwen_prm(tmp_path_factory.mktemp("prm") / "tiny")
    config = ServerConfig(host="127.0.0.1", port=0, metrics_port=None, grace_period_s=2.0,
                          prm=engine_module.PrmConfig(model_path=str(path), device="cpu"),
                          log_format="text")
    srv = BackgroundServer(config, verifier_pool, engine=engine_module.PrmEngine(config.prm))
    try:
        yield srv
    finally:
        srv.stop(grace_s=1.0)


def test_orm_prm_min_batch_through_openrlhf(prm_server, tokenizers, monkeypatch):
    """An empty response (just the EOS) earns 0 under orm+prm_min; mixed PRM-scored and
    unscored samples stack and split in OpenRLHF's own batching (keys identical)."""
    monkeypatch.setenv("MATHREWARD_ADDRESS", prm_server.address)
    monkeypatch.setenv("MATHREWARD_SPEC", "orm+prm_min")
    executor = agent.SingleTurnAgentExecutor(remote_rm_url=ADAPTER_FILE)
    tok = tokenizers["qwen"]
    prompt = prompt_for(tok, "qwen")
    texts = ["<|im_end|>", "6 * 2 = 12.\n\nSo \\boxed{12}<|im_end|>", "<|im_end|>",
             "6 * 2 = 13.\n\nSo \\boxed{13}<|im_end|>"]
    outs = [execute(executor, tok, prompt, "12", text) for text in texts]
    assert [o["reward"].item() for o in outs][0::2] == [0.0, 0.0]
    assert [o["extra_logs"]["prm_scored"].item() for o in outs] == [0.0, 1.0, 0.0, 1.0]
    assert len({tuple(sorted(o["extra_logs"])) for o in outs}) == 1
    # As the experience maker batches a micro-batch, then the replay buffer splits it (where a
    # key missing from one sample raised "Size of info[prm_aggregate] (3) does not match
    # batch_size (4)").
    batch = openrlhf_experience.Experience.concat_experiences(
        [to_experience(o) for o in outs], tok.pad_token_id)
    assert batch.info["prm_aggregate"].shape[0] == 4
    assert len(openrlhf_experience.split_experience_batch(batch)) == 4


# -- the HTTP gateway with OpenRLHF's own HTTP client -----------------------------------------

def test_http_gateway_with_openrlhf_client(make_server, tokenizers):
    srv = make_server(http_port=0)
    url = f"http://127.0.0.1:{srv.handle.http_port}/get_reward"
    executor = agent.SingleTurnAgentExecutor(remote_rm_url=url)
    tok = tokenizers["llama3"]
    prompt = prompt_for(tok, "llama3")
    good = execute(executor, tok, prompt, "12", "The answer is 12<|eot_id|>", truncate=0.3)
    bad = execute(executor, tok, prompt, "7", "I am not sure.<|eot_id|>", truncate=0.3)
    assert good["reward"] == [1.0] and bad["reward"] == [0.0]
    assert set(good["extra_logs"]) == set(bad["extra_logs"])
    assert srv.metrics.registry.get_sample_value("mathreward_adapter_unlocated_total") == 0


def test_http_gateway_unlocated_is_counted_and_missing_labels_are_a_400(make_server):
    srv = make_server(http_port=0)
    url = f"http://127.0.0.1:{srv.handle.http_port}/get_reward"

    def post(payload: dict) -> tuple[int, dict]:
        request = urllib.request.Request(url, json.dumps(payload).encode(),
                                         {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    status, body = post({"query": ["\\boxed{7}. Q: 3 + 4 ? hmm"],
                         "prompts": ["Example: \\boxed{7}. Q: 3+4?"], "labels": ["7"]})
    assert status == 200 and body["rewards"] == [0.0] and body["extra_logs"]["unlocated"] == [1.0]
    assert srv.metrics.registry.get_sample_value("mathreward_adapter_unlocated_total") == 1
    status, body = post({"query": ["Q: 3+4? \\boxed{7}"], "prompts": ["Q: 3+4?"]})
    assert status == 400 and "label" in body["error"]


# -- 10. failures are loud --------------------------------------------------------------------

@pytest.fixture
def closed_address() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def test_server_down_raises_and_openrlhf_gets_no_reward(closed_address, tokenizers,
                                                        monkeypatch):
    from mathreward.adapters._remote import RewardServiceError

    monkeypatch.setenv("MATHREWARD_ADDRESS", closed_address)
    monkeypatch.setenv("MATHREWARD_TIMEOUT_S", "2")
    monkeypatch.delenv("MATHREWARD_ON_ERROR", raising=False)
    with pytest.raises(RewardServiceError, match=closed_address):
        adapter.reward_func(["Q: 1? \\boxed{1}"], ["Q: 1?"], ["1"])
    executor = agent.SingleTurnAgentExecutor(remote_rm_url=ADAPTER_FILE)
    tok = tokenizers["qwen"]
    out = execute(executor, tok, prompt_for(tok, "qwen"), "12", "\\boxed{12}<|im_end|>")
    assert out["reward"] is None  # OpenRLHF logs the error; no 0.0 is made up for the sample
    good = dict(out, reward=torch.tensor([1.0]), scores=torch.tensor([1.0]),
                extra_logs={"correct": torch.tensor([1.0])})
    with pytest.raises((AttributeError, ValueError, TypeError)):  # the training step stops
        batch = openrlhf_experience.Experience.concat_experiences(
            [to_experience(good), to_experience(out)], tok.pad_token_id)
        openrlhf_experience.split_experience_batch(batch)
    monkeypatch.setenv("MATHREWARD_ON_ERROR", "zero")  # explicit opt-in to zeros
    assert adapter.reward_func(["Q: 1? \\boxed{1}"], ["Q: 1?"], ["1"])["rewards"].tolist() == [0.0]


def test_missing_label_key_raises_naming_the_flag(server, monkeypatch):
    monkeypatch.setenv("MATHREWARD_ADDRESS", server.address)
    _, label = preprocess_data({"input": "Q"}, input_key="input", label_key=None)
    with pytest.raises(ValueError, match="--data.label_key"):
        adapter.reward_func(["Q \\boxed{1}"], ["Q"], [label])


def test_reward_func_signature_is_what_openrlhf_calls():
    source = inspect.getsource(agent.SingleTurnAgentExecutor._fetch_rewards_via_func)
    assert "self.reward_func," in source and "queries_list[start_idx:end_idx]" in source
    assert list(inspect.signature(adapter.reward_func).parameters) == ["queries", "prompts",
                                                                       "labels"]


# -- 6. the documented commands parse with OpenRLHF's own CLI parser ----------------------------

def openrlhf_parser():
    """train_ppo_ray's argparse parser, built by its own statements (the module imports vLLM,
    so the `if __name__ == "__main__":` block is compiled from the installed file up to
    `parse_args`)."""
    path = Path(agent.__file__).parents[1] / "cli" / "train_ppo_ray.py"
    tree = ast.parse(path.read_text())
    main = next(n for n in tree.body if isinstance(n, ast.If)
                and ast.unparse(n.test) == "__name__ == '__main__'")
    body = []
    for statement in main.body:
        if "parse_args" in ast.unparse(statement):
            break
        body.append(statement)
    import argparse
    from datetime import datetime

    namespace = {"argparse": argparse, "datetime": datetime}
    exec(compile(ast.Module(body=body, type_ignores=[]), str(path), "exec"),  # noqa: S102
         namespace)
    return namespace["parser"]


@pytest.mark.parametrize(("block", "remote_url"), [("openrlhf-file", ADAPTER_FILE),
                                                   ("openrlhf-http",
                                                    "http://HOST:5000/get_reward")])
def test_documented_command_parses(block, remote_url):
    from openrlhf.utils.config import hierarchize

    from trainers.doc_blocks import doc_block, shell_words

    words = shell_words(doc_block(block))
    start = words.index("openrlhf.cli.train_ppo_ray") + 1
    assert words[start - 2:start] == ["-m", "openrlhf.cli.train_ppo_ray"]
    argv = [w.replace("$ADAPTER", ADAPTER_FILE) for w in words[start:]]
    args = hierarchize(openrlhf_parser().parse_args(argv))
    assert args.reward.remote_url == remote_url
    assert args.data.label_key == "answer" and args.data.apply_chat_template is True
    if block == "openrlhf-file":  # the environment the adapter reads is set on the command
        assert {w.split("=")[0] for w in words[:start] if "=" in w} >= {"MATHREWARD_ADDRESS"}


@pytest.mark.parametrize("old_flag", ["--remote_rm_url", "--label_key"])
def test_old_flags_are_rejected_by_0_11(old_flag):
    with pytest.raises(SystemExit):
        openrlhf_parser().parse_args([old_flag, "x"])


def test_every_doc_block_is_tested():
    from trainers.doc_blocks import doc_blocks

    tested = {"openrlhf-file", "openrlhf-http", "verl-async", "verl-sync", "verl-remote"}
    assert set(doc_blocks()) == tested
