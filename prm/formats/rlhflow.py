"""RLHFlow Llama-3.1-8B PRMs (`RLHFlow/Llama3.1-8B-PRM-Mistral-Data`, `-Deepseek-Data`), as
`RLHFlow/RLHF-Reward-Modeling` math-rm/prm_evaluate.py scores them.

Layout: a plain `LlamaForCausalLM` (sharded safetensors + index), the Llama 3 tokenizer
(`tokenizer.json`, `tokenizer_config.json` whose chat template uses `<|start_header_id|>`).
Being `*ForCausalLM` is not what identifies it (Math-Shepherd is one too): the Llama 3 chat
template is.

Input, as upstream builds it: one user turn per step (the first is problem + " " + step; every
step stripped), each followed by an assistant turn "+", rendered by the checkpoint's chat
template and encoded as one string. Upstream runs one forward per prefix and reads the logits
at position -3, the token before the last assistant "+"; with a causal model that is the same
as one forward over the whole conversation read at the token before each assistant "+" (the
rendered prefixes are prefixes of the whole, split at special tokens). Score: softmax over the
logits of "+" and "-" (each `tokenizer.encode(t)[-1]`), index of "+".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from prm.formats import chat
from prm.formats.base import (
    PLACEHOLDER,
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
from prm.formats.qwen_math_prm import fast_tokenizer
from prm.formats.token_pair import load_causal_lm

KIND = "rlhflow"


def is_llama3_chat(directory: Path) -> bool:
    return "<|start_header_id|>" in chat.chat_template_text(directory)


class RlhFlow:
    name = KIND

    def detect(self, directory: Path, config: dict, tok_config: dict) -> FormatSpec | None:
        if not architecture(config).endswith("ForCausalLM") or not is_llama3_chat(directory):
            return None
        return FormatSpec(kind=KIND, step_tag="+", system_prompt=None)

    def load_tokenizer(self, directory: Path, spec: FormatSpec):
        return fast_tokenizer(directory)

    def guard_extra(self, spec: FormatSpec) -> tuple[str, ...]:
        return ()

    def encode(self, codec: Codec, problem: str, steps: Sequence[str],
               limit: int | None = None) -> Encoded:
        spec, tok = codec.spec, codec.tokenizer
        problem = codec.guard.clean(problem)
        clean = [codec.guard.clean(s).strip() for s in steps]
        messages = []
        for k, step in enumerate(clean):
            text = f"{problem} {step}" if k == 0 else step
            messages += [{"role": "user", "content": text},
                         {"role": "assistant", "content": PLACEHOLDER}]
        text, spans = fill_placeholders(chat.render(tok, messages), spec.good_token)
        if len(spans) != len(steps):
            raise PrmFormatError("the chat template changed the assistant turns")
        good = last_id(tok, spec.good_token, add_special_tokens=True)
        ids, tags = tag_token_positions(tok, text, spans, good, add_special_tokens=False)
        # the score is read where the "+" is predicted: the token before it
        return Encoded(ids, [t - 1 for t in tags], max(tags[0] - 1, 0))

    def load_model(self, directory: Path, codec: Codec, dtype: torch.dtype) -> StepScorer:
        tok, spec = codec.tokenizer, codec.spec
        return load_causal_lm(directory, dtype,
                              last_id(tok, spec.good_token, add_special_tokens=True),
                              last_id(tok, spec.bad_token, add_special_tokens=True))


FAMILY = RlhFlow()
