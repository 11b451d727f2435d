"""Skywork-o1-Open-PRM-Qwen-2.5 (1.5B / 7B), as `SkyworkAI/skywork-o1-prm-inference` scores it.

Layout: config.json `architectures: ["Qwen2ForPrmModel"]`, a Qwen2 causal LM's weights
(`model.*`, `lm_head.weight`, unused here) plus a value head `v_head.summary.{weight,bias}`
(Linear(hidden, 1)), safetensors (sharded with an index for 7B), the Qwen2 tokenizer with a
`bos_token`.

Input, as upstream's `prepare_input` builds it: encode(bos_token + problem + "\\n"), then for each
step encode(step) followed by the id of "\\n" (the step token; its position is flagged). Each
piece is encoded on its own, exactly as upstream does, and the flags are the ids we appended,
never a search. Score: sigmoid of the value head at each flagged position. (Upstream splits a
response on "\\n" to get steps; here the caller gives the steps, and a newline inside a step
stays text.)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from transformers import Qwen2Model

from prm.formats.base import (
    Codec,
    Encoded,
    FormatSpec,
    PrmFormatError,
    StepScorer,
    architecture,
    last_id,
)
from prm.formats.qwen_math_prm import fast_tokenizer
from prm.formats.weights import load_pretrained, read_tensors

KIND = "skywork"
ARCH = "Qwen2ForPrmModel"
STEP_TOKEN = "\n"


class Skywork:
    name = KIND

    def detect(self, directory: Path, config: dict, tok_config: dict) -> FormatSpec | None:
        if architecture(config) != ARCH:
            return None
        return FormatSpec(kind=KIND, step_tag=STEP_TOKEN, system_prompt=None)

    def load_tokenizer(self, directory: Path, spec: FormatSpec):
        tok = fast_tokenizer(directory)
        if not tok.bos_token:
            raise PrmFormatError(f"{directory}: Skywork PRM input starts with bos_token, and "
                                 "the tokenizer has none")
        return tok

    def guard_extra(self, spec: FormatSpec) -> tuple[str, ...]:
        return ()

    def encode(self, codec: Codec, problem: str, steps: Sequence[str],
               limit: int | None = None) -> Encoded:
        tok = codec.tokenizer
        ids = list(tok(tok.bos_token + codec.guard.clean(problem) + "\n")["input_ids"])
        prompt_len = len(ids)
        step_id = last_id(tok, STEP_TOKEN, add_special_tokens=True)
        positions = []
        for step in steps:
            step = codec.guard.clean(step)
            if step:
                ids.extend(tok(step)["input_ids"])
            positions.append(len(ids))
            ids.append(step_id)
        return Encoded(ids, positions, prompt_len)

    def load_model(self, directory: Path, codec: Codec, dtype: torch.dtype) -> StepScorer:
        backbone = load_pretrained(Qwen2Model, directory, dtype)
        head = read_tensors(directory, "v_head.summary.", ("weight", "bias"))
        return ValueHeadScorer(backbone, head["weight"], head["bias"])


class ValueHeadScorer(StepScorer):
    """P(step correct) = sigmoid(v_head(last hidden state)); the head runs in fp32."""

    def __init__(self, backbone: Qwen2Model, weight: torch.Tensor, bias: torch.Tensor) -> None:
        super().__init__()
        self.backbone = backbone
        self.config = backbone.config
        self.summary = torch.nn.Linear(weight.shape[1], 1)
        self.summary.load_state_dict({"weight": weight.float(), "bias": bias.float()})

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.backbone(input_ids=ids, attention_mask=mask, use_cache=False).last_hidden_state
        return torch.sigmoid(self.summary(h.float()).squeeze(-1))  # (B, T)

    def _apply(self, fn, recurse=True):  # keep the head in fp32 when the model is cast
        super()._apply(fn, recurse)
        self.summary.float()
        return self


FAMILY = Skywork()
