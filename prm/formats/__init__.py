"""PRM checkpoint families, one adapter module each, behind one registry.

Each adapter (`Family` in `base.py`) says what its checkpoint looks like (`detect`, from JSON
files only), how its tokenizer loads, how one (problem, steps) item becomes token ids and where
each step's score is read (`encode`), and how a step score comes out of the model
(`load_model` returns a module mapping (B, T) ids to (B, T) P(step correct)).

| kind | family | recognised by |
|---|---|---|
| `qwen_prm` | our own layout (bundled model, `prm.train`, `prm.ensemble`) | `prm_format.json` |
| `qwen_math_prm` | Qwen2.5-Math-PRM-7B / 72B | `Qwen2ForProcessRewardModel` |
| `skywork` | Skywork-o1-Open-PRM-Qwen-2.5-1.5B / 7B | `Qwen2ForPrmModel` |
| `rlhflow` | RLHFlow Llama3.1-8B-PRM-{Mistral,Deepseek}-Data | `*ForCausalLM` + Llama 3 template |
| `math_shepherd` | math-shepherd-mistral-7b-prm | `*ForCausalLM` + `ки` in its tokenizer |

`prm_format.json` may also name any other kind to force that family (its other fields override
the family's defaults). Adding a family: one module with a `FAMILY` object, one line in
`FAMILIES` (order matters only where two layouts could match: the first match wins).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from prm.formats import bundled, math_shepherd, qwen_math_prm, rlhflow, skywork
from prm.formats.base import (
    QWEN_SYSTEM,
    Codec,
    Encoded,
    Family,
    FormatSpec,
    Guard,
    PrmFormatError,
    StepScorer,
    TooLong,
    architecture,
    chars_per_token,
    context_length,
    read_json,
)

FAMILIES: tuple[Family, ...] = (
    bundled.FAMILY,
    qwen_math_prm.FAMILY,
    skywork.FAMILY,
    rlhflow.FAMILY,
    math_shepherd.FAMILY,
)
_BY_KIND = {f.name: f for f in FAMILIES}

__all__ = ["FAMILIES", "NO_TOKENIZER_LIMIT", "QWEN_SYSTEM", "Codec", "Encoded", "FormatSpec",
           "LoadedPrm", "PrmFormatError", "StepScorer", "TooLong", "detect", "encode", "family",
           "load", "load_codec"]


def family(kind: str) -> Family:
    try:
        return _BY_KIND[kind]
    except KeyError:
        raise PrmFormatError(f"unknown format kind {kind!r} (known: {sorted(_BY_KIND)})") from None


def detect(directory: str | Path) -> tuple[Family, FormatSpec]:
    """Which family `directory` holds, and its spec. PrmFormatError if none matches."""
    directory = Path(directory)
    if not directory.is_dir():
        raise PrmFormatError(f"{directory}: not a directory")
    config = read_json(directory / "config.json")
    if not config:
        raise PrmFormatError(f"{directory}: no config.json")
    tok_config = read_json(directory / "tokenizer_config.json")
    forced = bundled.spec_from_file(directory)
    if forced is not None and forced.kind != bundled.KIND:  # prm_format.json names a family
        fam = family(forced.kind)
        base = fam.detect(directory, config, tok_config) or FormatSpec(kind=forced.kind)
        given = read_json(directory / "prm_format.json")
        return fam, dataclasses.replace(base, **{k: getattr(forced, k) for k in given
                                                  if k in base.__dataclass_fields__})
    for fam in FAMILIES:
        spec = fam.detect(directory, config, tok_config)
        if spec is not None:
            return fam, spec
    raise PrmFormatError(f"{directory}: unsupported checkpoint (architecture "
                         f"{architecture(config)!r}); supported kinds: {sorted(_BY_KIND)}")


NO_TOKENIZER_LIMIT = 10**30  # transformers' own "unset" value (VERY_LARGE_INTEGER)


def make_codec(fam: Family, spec: FormatSpec, tokenizer: Any) -> Codec:
    return Codec(fam, spec, tokenizer, Guard.for_tokenizer(tokenizer, *fam.guard_extra(spec)),
                 chars_per_token(tokenizer))


def load_codec(directory: str | Path) -> Codec:
    """The family, spec and tokenizer: what encoding needs, without the model (the engine's
    encode worker processes load only this, and must encode exactly as `load` does)."""
    fam, spec = detect(directory)
    tok = fam.load_tokenizer(Path(directory), spec)
    # the context is `context_length` (the engine refuses longer items as TOO_LONG before the
    # model sees them); left as is, the tokenizer's own model_max_length makes transformers log
    # "Token indices sequence length is longer..." for every such item, which is noise
    tok.model_max_length = NO_TOKENIZER_LIMIT
    return make_codec(fam, spec, tok)


def encode(spec: FormatSpec, tokenizer: Any, problem: str, steps: Sequence[str]) -> Encoded:
    """One item's token ids and score positions (training and one-off use; the engine keeps a
    `Codec`, which builds the guard once)."""
    fam = family(spec.kind)
    return Codec(fam, spec, tokenizer, Guard.for_tokenizer(tokenizer, *fam.guard_extra(spec))
                 ).encode(problem, steps)


@dataclass
class LoadedPrm:
    """A loaded checkpoint: `step_probs` maps a padded batch to P(step correct) per token."""

    codec: Codec
    model: StepScorer
    pad_id: int
    max_length: int  # the checkpoint's context in tokens

    @property
    def spec(self) -> FormatSpec:
        return self.codec.spec

    @property
    def tokenizer(self) -> Any:
        return self.codec.tokenizer

    def step_probs(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B, T) ids, mask -> (B, T) probability that the step scored at each token is right."""
        return self.model(ids, mask)


def load(path: str | Path, device: torch.device, dtype: torch.dtype) -> LoadedPrm:
    directory = Path(path)
    codec = load_codec(directory)
    tok = codec.tokenizer
    pad_id = tok.pad_token_id
    if pad_id is None:
        pad_id = tok.eos_token_id if tok.eos_token_id is not None else 0
    model = codec.family.load_model(directory, codec, dtype)
    model = model.to(device=device, dtype=dtype).eval()
    return LoadedPrm(codec, model, int(pad_id), context_length(directory, codec.spec))
