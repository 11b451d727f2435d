"""Qwen2.5-Math-PRM (7B / 72B), exactly as the hub ships it and as its model card scores it.

Layout: config.json `architectures: ["Qwen2ForProcessRewardModel"]` (remote code on the hub; we
own the module, `prm/model.py`), bf16 safetensors shards + `model.safetensors.index.json`, the
Qwen2 tokenizer (`tokenizer.json`, `vocab.json`, `merges.txt`, `tokenizer_config.json` with the
chat template), `<extra_0>` an added token.

Input, as the model card builds it: messages [system (the card's prompt), user (problem),
assistant ("<extra_0>".join(steps) + "<extra_0>")] rendered by the checkpoint's chat template,
then encoded as ONE string (never prompt and steps apart: a step that starts with a newline
merges with the template's newline in upstream's encoding). Score: softmax over the `score`
head's two logits at each `<extra_0>`, index 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from transformers import AutoTokenizer, PreTrainedTokenizerFast, Qwen2Model

from prm.formats import chat
from prm.formats.base import (
    PLACEHOLDER,
    QWEN_SYSTEM,
    Codec,
    Encoded,
    FormatSpec,
    PrmFormatError,
    StepScorer,
    architecture,
    fill_placeholders,
    last_id,
    tag_token_positions,
)
from prm.formats.bundled import TwoClassScorer
from prm.formats.weights import load_pretrained, read_tensors
from prm.model import QwenPrm

KIND = "qwen_math_prm"
ARCH = "Qwen2ForProcessRewardModel"


def fast_tokenizer(directory: Path):
    """The checkpoint's tokenizer. With a tokenizer.json, exactly that file (AutoTokenizer in
    transformers 5 rebuilds the class named by config.json's model type from the vocabulary,
    which is not always the shipped pipeline); else AutoTokenizer (e.g. SentencePiece only)."""
    cls = PreTrainedTokenizerFast if (directory / "tokenizer.json").is_file() else AutoTokenizer
    try:
        tok = cls.from_pretrained(str(directory))
    except (OSError, ValueError, ImportError) as exc:
        raise PrmFormatError(f"{directory}: tokenizer does not load ({exc})") from exc
    if not getattr(tok, "is_fast", False):
        raise PrmFormatError(f"{directory}: needs a fast tokenizer (offsets locate the steps)")
    return tok


class QwenMathPrm:
    name = KIND

    def detect(self, directory: Path, config: dict, tok_config: dict) -> FormatSpec | None:
        if architecture(config) != ARCH:
            return None
        return FormatSpec(kind=KIND, step_tag="<extra_0>", system_prompt=QWEN_SYSTEM)

    def load_tokenizer(self, directory: Path, spec: FormatSpec):
        return fast_tokenizer(directory)

    def guard_extra(self, spec: FormatSpec) -> tuple[str, ...]:
        return (spec.step_tag,)

    def encode(self, codec: Codec, problem: str, steps: Sequence[str],
               limit: int | None = None) -> Encoded:
        spec, tok = codec.spec, codec.tokenizer
        problem = codec.guard.clean(problem)
        clean = [codec.guard.clean(s) for s in steps]
        answer = "".join(s + PLACEHOLDER for s in clean)
        messages = [{"role": "user", "content": problem},
                    {"role": "assistant", "content": answer}]
        if spec.system_prompt:
            messages.insert(0, {"role": "system", "content": spec.system_prompt})
        if getattr(tok, "chat_template", None):
            rendered = chat.render(tok, messages)
        else:  # ChatML, as Qwen2.5's template renders these three messages
            rendered = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n"
                               for m in messages)
        text, spans = fill_placeholders(rendered, spec.step_tag)
        if len(spans) != len(steps):
            raise PrmFormatError("the chat template changed the step tags")
        tag = last_id(tok, spec.step_tag)
        ids, positions = tag_token_positions(tok, text, spans, tag, add_special_tokens=True)
        return Encoded(ids, positions, prompt_length(tok, text, spans[0][0] - len(clean[0])))

    def load_model(self, directory: Path, codec: Codec, dtype: torch.dtype) -> StepScorer:
        backbone = load_pretrained(Qwen2Model, directory, dtype)
        head = read_tensors(directory, "score.", ("0.weight", "0.bias", "2.weight", "2.bias"))
        model = QwenPrm(backbone.config, backbone)
        model.score.load_state_dict(head)
        return TwoClassScorer(model.to(dtype=dtype))


def prompt_length(tok, text: str, steps_start: int) -> int:
    """Tokens that end before the steps start (training's LM-loss boundary; not for scoring)."""
    enc = tok(text[:steps_start], add_special_tokens=True)
    return len(enc["input_ids"])


FAMILY = QwenMathPrm()
