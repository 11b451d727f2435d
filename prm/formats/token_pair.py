"""Scoring for causal-LM PRMs that answer with a token: P(step correct) = softmax over the
logits of the good and bad tokens (`+` / `-`), index of the good one. Only those two rows of the
LM head are computed ((B, T, 2) rather than (B, T, vocab)), in fp32."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import AutoModelForCausalLM

from prm.formats.base import PrmFormatError, StepScorer
from prm.formats.weights import load_pretrained


class TokenPairScorer(StepScorer):
    def __init__(self, lm: torch.nn.Module, good_id: int, bad_id: int) -> None:
        super().__init__()
        head = lm.get_output_embeddings()
        if getattr(head, "bias", None) is not None:
            raise PrmFormatError("an LM head with a bias is not supported")
        self.backbone = lm.get_decoder() if hasattr(lm, "get_decoder") else lm.model
        self.config = lm.config
        pair = head.weight.detach()[[good_id, bad_id]].float().clone()  # (2, H)
        self.register_buffer("pair", pair, persistent=False)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.backbone(input_ids=ids, attention_mask=mask, use_cache=False).last_hidden_state
        logits = h.float() @ self.pair.T  # (B, T, 2): good, bad
        return logits.softmax(-1)[..., 0]

    def _apply(self, fn, recurse=True):  # the two head rows stay fp32 when the model is cast
        super()._apply(fn, recurse)
        self.pair = self.pair.float()
        return self


def load_causal_lm(directory: Path, dtype: torch.dtype, good_id: int, bad_id: int) -> StepScorer:
    lm = load_pretrained(AutoModelForCausalLM, directory, dtype)
    return TokenPairScorer(lm, good_id, bad_id)
