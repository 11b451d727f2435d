"""The Qwen2.5-Math-PRM module: a Qwen2 backbone and a two-class `score` head per token.

Transformers has no class for it (the hub checkpoint uses remote code), so we own it. Parameter
names match the hub checkpoint (`model.*`, `score.0.*`, `score.2.*`), so its safetensors load
as-is. The bundled model is an ensemble (`PrmEnsemble`) of three of these modules, each trained
from scratch by `prm_train/train.py`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from transformers import Qwen2Config, Qwen2Model


class QwenPrm(nn.Module):
    def __init__(self, config: Qwen2Config, backbone: Qwen2Model | None = None) -> None:
        super().__init__()
        self.config = config
        self.model = backbone if backbone is not None else Qwen2Model(config)
        h = config.hidden_size
        self.score = nn.Sequential(nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 2))

    def hidden(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(B, T) ids and mask -> (B, T, H) last hidden states."""
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False)
        return out.last_hidden_state

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(B, T) -> (B, T, 2) logits; P(step correct) = softmax(logits)[..., 1] at step tags."""
        return self.score(self.hidden(input_ids, attention_mask))

    def lm_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """(B, T, H) -> (B, T, V) next-token logits through the tied input embedding (training's
        auxiliary loss only; nothing extra is saved)."""
        return hidden @ self.model.embed_tokens.weight.T


class PrmEnsemble(nn.Module):
    """Members of one architecture and tokenizer, scored as one model: the mean of their
    two-class logits, so P(step correct) = sigmoid(mean of the members' log-odds)."""

    def __init__(self, members: list[QwenPrm]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)
        self.config = members[0].config  # the engine reads max_position_embeddings here

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(B, T) -> (B, T, 2) mean member logits."""
        return torch.stack([m(input_ids, attention_mask) for m in self.members]).mean(0)


def pad_right(sequences: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token id lists as one right-padded batch: (ids, attention mask), each (B, T) long, T the
    longest sequence. The engine's forward and training batch the same way."""
    B, T = len(sequences), max(len(s) for s in sequences)
    ids = torch.full((B, T), pad_id, dtype=torch.long)
    mask = torch.zeros((B, T), dtype=torch.long)
    for i, seq in enumerate(sequences):
        ids[i, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[i, : len(seq)] = 1
    return ids, mask
