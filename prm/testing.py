"""Tiny random-weight checkpoints in the exact on-disk formats, for tests (ours and the service's).

    from prm.testing import build_tiny_qwen_prm
    path = build_tiny_qwen_prm(tmp_path / "prm")   # ~1 s, a few hundred KB
    engine = PrmEngine(PrmConfig(model_path=str(path), device="cpu"))

Each directory holds `config.json`, `model.safetensors` and a `tokenizers` JSON tokenizer, written
the way the real checkpoints are (hub key names `model.*`, `score.0.*`, `score.2.*` for the
Qwen2.5-Math-PRM layout; `save_pretrained` of a Llama causal LM for Math-Shepherd).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2Model

from prm import tokenizer as tok_mod
from prm.engine import PrmConfig, PrmEngine, StepStatus

_WORDS = ("step the a of is and so we total cost each what how many much has buys apples eggs "
          "per day she he answer boxed then left find").split()


def _tiny_vocab(extra: tuple[str, ...] = ()) -> list[str]:
    vocab = tok_mod.build_vocab([], min_freq=1)
    return vocab + [w for w in (*_WORDS, *extra) if w not in vocab]


def build_tiny_qwen_prm(directory: str | Path, seed: int = 0, hidden: int = 32,
                        system_prompt: bool = True, max_length: int = 512) -> Path:
    """A Qwen2.5-Math-PRM-layout checkpoint with random weights (2 layers, hidden 32)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    vocab = _tiny_vocab()
    tok_mod.save_tokenizer(tok_mod.make_tokenizer(vocab), d)
    torch.manual_seed(seed)
    cfg = Qwen2Config(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, intermediate_size=hidden * 2,
                      max_position_embeddings=max_length, tie_word_embeddings=False)
    backbone = Qwen2Model(cfg)
    state = {f"model.{k}": v.contiguous() for k, v in backbone.state_dict().items()
             if "rotary" not in k}
    head = torch.nn.Sequential(torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
                               torch.nn.Linear(hidden, 2))
    state.update({f"score.{k}": v.contiguous() for k, v in head.state_dict().items()})
    save_file(state, str(d / "model.safetensors"), metadata={"format": "pt"})
    cfg_dict = cfg.to_dict()
    cfg_dict["architectures"] = ["Qwen2ForProcessRewardModel"]
    (d / "config.json").write_text(json.dumps(cfg_dict, indent=2, default=str) + "\n")
    if not system_prompt:  # the bundled model's variant: no system turn, arithmetic markers
        fmt = {"kind": "qwen_prm", "system_prompt": "", "step_features": True,
               "max_length": max_length}
        (d / "prm_format.json").write_text(json.dumps(fmt) + "\n")
    return d


def build_tiny_math_shepherd(directory: str | Path, seed: int = 0, hidden: int = 32) -> Path:
    """A Math-Shepherd-layout checkpoint: a tiny Llama causal LM whose vocabulary has `ки`."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    vocab = _tiny_vocab(("ки",))
    tok_mod.save_tokenizer(tok_mod.make_tokenizer(vocab), d)
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, intermediate_size=hidden * 2,
                      max_position_embeddings=512)
    LlamaForCausalLM(cfg).save_pretrained(str(d))
    return d


def engine_step_scores(path: str | Path, problem: str, steps: Sequence[str]) -> list[float]:
    """Score one solution with a fresh CPU engine on the checkpoint at `path` (started, closed);
    AssertionError unless the item's status is OK."""
    async def go():
        engine = PrmEngine(PrmConfig(model_path=str(path), device="cpu"))
        await engine.start()
        try:
            return await engine.score(problem, steps)
        finally:
            await engine.close()

    res = asyncio.run(go())
    assert res.status == StepStatus.OK, res.reason
    return list(res.scores)
