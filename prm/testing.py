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
from prm.engine import PrmConfig, PrmEngine, StepScores, StepStatus

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


def engine_score(path: str | Path, problem: str, steps: Sequence[str]) -> StepScores:
    """Score one solution with a fresh CPU engine on the checkpoint at `path` (started, closed)."""
    async def go():
        engine = PrmEngine(PrmConfig(model_path=str(path), device="cpu"))
        await engine.start()
        try:
            return await engine.score(problem, steps)
        finally:
            await engine.close()

    return asyncio.run(go())


def engine_step_scores(path: str | Path, problem: str, steps: Sequence[str]) -> list[float]:
    """`engine_score`'s step scores; AssertionError unless the item's status is OK."""
    res = engine_score(path, problem, steps)
    assert res.status == StepStatus.OK, res.reason
    return list(res.scores)


# --- tiny checkpoints in each hub family's exact on-disk layout (prm/formats/) ---------------

QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+"
                 r"[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_PATTERN = QWEN2_PATTERN.replace(r"|\p{N}|", r"|\p{N}{1,3}|")
QWEN25_MATH_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- else %}{{- '<|im_start|>system\\nPlease reason step by step, and put your final answer "
    "within \\\\boxed{}.<|im_end|>\\n' }}{%- endif %}"
    "{%- for message in messages %}{%- if (message.role == 'user') or (message.role == 'system' "
    "and not loop.first) or (message.role == 'assistant') %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}"
    "{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}")
LLAMA31_TEMPLATE = (
    "{{- bos_token }}{%- if messages[0]['role'] == 'system' %}"
    "{%- set system_message = messages[0]['content']|trim %}{%- set messages = messages[1:] %}"
    "{%- else %}{%- set system_message = '' %}{%- endif %}"
    "{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' }}"
    "{{- 'Cutting Knowledge Date: December 2023\\n' }}{{- 'Today Date: 26 Jul 2024\\n\\n' }}"
    "{{- system_message }}{{- '<|eot_id|>' }}"
    "{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + "
    "'<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
    "{%- endif %}")
_CORPUS = [
    "Tom buys 3 apples and 4 eggs. How many items?\n\nHe buys 3 + 4 = 7 items.\n\nSo the total "
    "is 7.\n\nThe answer is \\boxed{7}.",
    "Step 1: She has 12 eggs and eats 3, so 12 - 3 = 9 eggs are left. ки\nStep 2: She sells "
    "them for $2 each: 9 * 2 = 18 dollars. ки\nStep 3: The answer is 18 ки",
    "\n\nLet x be the cost. Then 2x + 5 = 11, so x = 3.\n\nWe check: 2 * 3 + 5 = 11.\n\n",
    "The total cost of the notebooks is 5 * 4 = 20 dollars, and the pens cost 6 dollars.",
] * 20


def _byte_bpe(pattern: str, specials: list[str], vocab_size: int = 420):
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(_CORPUS, trainer)
    return tok


def _save_sharded(state: dict[str, torch.Tensor], d: Path, n_shards: int = 2) -> None:
    """safetensors shards + model.safetensors.index.json, as the hub's large checkpoints."""
    names = sorted(state)
    weight_map = {}
    for k in range(n_shards):
        part = names[k::n_shards]
        fname = f"model-{k + 1:05d}-of-{n_shards:05d}.safetensors"
        save_file({n: state[n].contiguous() for n in part}, str(d / fname),
                  metadata={"format": "pt"})
        weight_map.update({n: fname for n in part})
    size = sum(t.numel() * t.element_size() for t in state.values())
    (d / "model.safetensors.index.json").write_text(json.dumps(
        {"metadata": {"total_size": size}, "weight_map": weight_map}, indent=2) + "\n")


def _qwen2_tokenizer_files(d: Path, extra_specials: tuple[str, ...], bos: str | None) -> None:
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", *extra_specials]
    tok = _byte_bpe(QWEN2_PATTERN, specials)
    tok.save(str(d / "tokenizer.json"))
    tok.model.save(str(d))  # vocab.json + merges.txt, as the hub ships them beside it
    added = {str(tok.token_to_id(s)): {"content": s, "special": True, "lstrip": False,
                                       "rstrip": False, "normalized": False,
                                       "single_word": False} for s in specials}
    cfg = {"tokenizer_class": "Qwen2Tokenizer", "bos_token": bos, "eos_token": "<|im_end|>",
           "pad_token": "<|endoftext|>", "unk_token": None, "model_max_length": 131072,
           "errors": "replace", "split_special_tokens": False, "added_tokens_decoder": added,
           "additional_special_tokens": list(specials[1:]),
           "chat_template": QWEN25_MATH_TEMPLATE}
    (d / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2) + "\n")


# Qwen2.5-Math-PRM-7B's shape (config.json on the hub), for benchmarks with random weights
QWEN25_MATH_PRM_7B = {"hidden": 3584, "layers": 28, "heads": 28, "kv_heads": 4,
                      "intermediate": 18944}


def _qwen2_config(vocab: int, hidden: int, max_length: int, arch: str, layers: int = 2,
                  heads: int = 4, kv_heads: int = 2, intermediate: int | None = None) -> dict:
    cfg = Qwen2Config(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers,
                      num_attention_heads=heads, num_key_value_heads=kv_heads,
                      intermediate_size=intermediate or hidden * 2,
                      max_position_embeddings=max_length, tie_word_embeddings=False)
    out = cfg.to_dict()
    out.update(architectures=[arch], torch_dtype="bfloat16")
    return out


def build_hub_qwen_math_prm(directory: str | Path, seed: int = 0, hidden: int = 32,
                            max_length: int = 4096, layers: int = 2, heads: int = 4,
                            kv_heads: int = 2, intermediate: int | None = None) -> Path:
    """Qwen2.5-Math-PRM's hub layout: byte-level BPE Qwen2 tokenizer files with `<extra_0>`
    and the chat template, bf16 weights in two shards + index, `Qwen2ForProcessRewardModel`.
    `**QWEN25_MATH_PRM_7B` gives the 7B's shape (the tiny tokenizer's vocabulary)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    _qwen2_tokenizer_files(d, ("<extra_0>",), bos=None)
    vocab = json.loads((d / "tokenizer.json").read_text())["model"]["vocab"]
    cfg = _qwen2_config(len(vocab), hidden, max_length, "Qwen2ForProcessRewardModel", layers,
                        heads, kv_heads, intermediate)
    cfg["auto_map"] = {"AutoModel": "modeling_qwen2_rm.Qwen2ForProcessRewardModel",
                       "AutoConfig": "configuration_qwen2_rm.Qwen2RMConfig"}
    torch.manual_seed(seed)
    backbone = Qwen2Model(Qwen2Config(**{k: v for k, v in cfg.items()
                                         if k not in ("auto_map",)}))
    state = {f"model.{k}": v for k, v in backbone.state_dict().items() if "rotary" not in k}
    head = torch.nn.Sequential(torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
                               torch.nn.Linear(hidden, 2))
    state.update({f"score.{k}": v for k, v in head.state_dict().items()})
    _save_sharded({k: v.to(torch.bfloat16) for k, v in state.items()}, d)
    (d / "config.json").write_text(json.dumps(cfg, indent=2, default=str) + "\n")
    return d


def build_hub_skywork_prm(directory: str | Path, seed: int = 0, hidden: int = 32,
                          max_length: int = 4096) -> Path:
    """Skywork-o1-Open-PRM-Qwen-2.5's layout: a Qwen2 causal LM's weights (`model.*`,
    `lm_head.weight`) + `v_head.summary.*`, `Qwen2ForPrmModel`, Qwen2 tokenizer with a BOS."""
    from transformers import Qwen2ForCausalLM

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    _qwen2_tokenizer_files(d, (), bos="<|endoftext|>")
    vocab = json.loads((d / "tokenizer.json").read_text())["model"]["vocab"]
    cfg = _qwen2_config(len(vocab), hidden, max_length, "Qwen2ForPrmModel")
    torch.manual_seed(seed)
    lm = Qwen2ForCausalLM(Qwen2Config(**cfg))
    state = {k: v for k, v in lm.state_dict().items() if "rotary" not in k}
    v_head = torch.nn.Linear(hidden, 1)
    state.update({f"v_head.summary.{k}": v for k, v in v_head.state_dict().items()})
    _save_sharded({k: v.to(torch.bfloat16) for k, v in state.items()}, d)
    (d / "config.json").write_text(json.dumps(cfg, indent=2, default=str) + "\n")
    return d


def build_hub_rlhflow_prm(directory: str | Path, seed: int = 0, hidden: int = 32) -> Path:
    """RLHFlow Llama3.1-8B-PRM layout: `LlamaForCausalLM` in two shards + index, a Llama 3
    byte-level BPE tokenizer.json (BOS added by its post-processor) and the 3.1 chat template."""
    from tokenizers import processors

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
                "<|end_header_id|>", "<|eot_id|>"]
    tok = _byte_bpe(LLAMA3_PATTERN, specials)
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.TemplateProcessing(
        single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B",
        special_tokens=[("<|begin_of_text|>", bos)])
    tok.save(str(d / "tokenizer.json"))
    cfg_tok = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|begin_of_text|>",
               "eos_token": "<|eot_id|>", "model_max_length": 131072,
               "chat_template": LLAMA31_TEMPLATE}
    (d / "tokenizer_config.json").write_text(json.dumps(cfg_tok, indent=2) + "\n")
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=tok.get_vocab_size(), hidden_size=hidden, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, intermediate_size=hidden * 2,
                      max_position_embeddings=4096, bos_token_id=bos,
                      eos_token_id=tok.token_to_id("<|eot_id|>"))
    LlamaForCausalLM(cfg).to(torch.bfloat16).save_pretrained(str(d), max_shard_size="30KB")
    return d


def build_hub_math_shepherd(directory: str | Path, seed: int = 0, hidden: int = 32) -> Path:
    """math-shepherd-mistral-7b-prm's layout: `MistralForCausalLM` shards + index, and ONLY a
    SentencePiece `tokenizer.model` (BPE, byte fallback, `<s>` = 1) with its JSON configs."""
    import io

    import sentencepiece as spm
    from transformers import MistralConfig, MistralForCausalLM

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_CORPUS), model_writer=buf, vocab_size=540, model_type="bpe",
        byte_fallback=True, split_digits=True, character_coverage=1.0, unk_id=0, bos_id=1,
        eos_id=2, pad_id=-1, normalization_rule_name="identity", add_dummy_prefix=True,
        remove_extra_whitespaces=False, allow_whitespace_only_pieces=True, minloglevel=2)
    (d / "tokenizer.model").write_bytes(buf.getvalue())
    cfg_tok = {"tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "</s>",
               "unk_token": "<unk>", "add_bos_token": True, "add_eos_token": False,
               "legacy": True, "model_max_length": 1000000000000000019884624838656}
    (d / "tokenizer_config.json").write_text(json.dumps(cfg_tok, indent=2) + "\n")
    (d / "special_tokens_map.json").write_text(json.dumps(
        {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}) + "\n")
    sp = spm.SentencePieceProcessor(model_proto=buf.getvalue())
    torch.manual_seed(seed)
    cfg = MistralConfig(vocab_size=sp.get_piece_size(), hidden_size=hidden, num_hidden_layers=2,
                        num_attention_heads=4, num_key_value_heads=2,
                        intermediate_size=hidden * 2, max_position_embeddings=4096,
                        sliding_window=None)
    MistralForCausalLM(cfg).to(torch.bfloat16).save_pretrained(str(d), max_shard_size="30KB")
    return d
