"""Our own layout (`prm_format.json` with kind "qwen_prm"): the bundled model and what
`prm.train` / `prm.ensemble` write.

A Qwen2.5-Math-PRM-shaped module (Qwen2 backbone + `score` head) whose `prm_format.json` may ask
for: no system turn, exact-arithmetic marker tokens before each step tag (`step_features`,
`prm/arith.py`), an ensemble of member files (`members`: the step logit is the members' mean
log-odds) and a learned combiner of that logit with the marker flags. The prompt and the steps
are tokenized separately: that is how these models were trained (`prm/train.py` calls
`formats.encode`), and their word-level tokenizer splits on whitespace, so it is also exact.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from transformers import AutoConfig, PreTrainedTokenizerFast, Qwen2Config

from prm import arith, tokenizer
from prm.formats.base import (
    SPEC_FIELDS,
    Codec,
    Encoded,
    FormatSpec,
    PrmFormatError,
    StepScorer,
    TooLong,
    last_id,
    read_json,
)
from prm.model import PrmEnsemble, QwenPrm

KIND = "qwen_prm"
# The bundled layout's files (written by `write_checkpoint`, read by this adapter).
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
FORMAT_FILE = "prm_format.json"
ARCHITECTURE = "Qwen2ForProcessRewardModel"


def write_checkpoint(out: Path, state: dict[str, torch.Tensor], config: dict, spec: FormatSpec,
                     tokenizer_dir: Path) -> None:
    """Write one checkpoint in the bundled layout: weights, config.json (the Qwen-PRM
    architecture name), prm_format.json (every FormatSpec field) and the tokenizer files."""
    out.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out / WEIGHTS_FILE), metadata={"format": "pt"})
    (out / CONFIG_FILE).write_text(
        json.dumps({**config, "architectures": [ARCHITECTURE]}, indent=2, default=str) + "\n")
    fields = {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)}
    (out / FORMAT_FILE).write_text(json.dumps(fields, indent=2) + "\n")
    if tokenizer_dir.resolve() != out.resolve():
        for name in tokenizer.FILES:
            (out / name).write_bytes((tokenizer_dir / name).read_bytes())


def apply_combiner(combiner: Sequence[float], step_logit: torch.Tensor,
                   flags: torch.Tensor) -> torch.Tensor:
    """P(step correct) from the learned combiner `[w_logit, w_flag..., bias]`: sigmoid of a
    weighted sum of the model's step logit (...,) and the marker flags (..., K). The same
    function fits it (prm_train.calibrate) and serves it (TwoClassScorer)."""
    w_logit, *w_flags, bias = combiner
    weights = torch.tensor(w_flags, dtype=step_logit.dtype, device=step_logit.device)
    return torch.sigmoid(w_logit * step_logit + (flags.to(step_logit.dtype) @ weights) + bias)


def spec_from_file(directory: Path) -> FormatSpec | None:
    """The spec written in `prm_format.json`, validated; None if there is no such file."""
    fmt_file = directory / FORMAT_FILE
    if not fmt_file.is_file():
        return None
    data = read_json(fmt_file)
    spec = {k: v for k, v in data.items() if k in SPEC_FIELDS}
    if "kind" not in spec:
        raise PrmFormatError(f"{fmt_file}: no 'kind'")
    if spec.get("combiner") is not None:
        spec["combiner"] = tuple(float(x) for x in spec["combiner"])
    spec["features"] = tuple(spec.get("features", arith.LEGACY_FEATURES))
    spec["members"] = tuple(str(m) for m in spec.get("members", ()))
    unknown = set(spec["features"]) - set(arith.ALL_FEATURES)
    if unknown:
        raise PrmFormatError(f"{directory}: unknown features {sorted(unknown)}")
    combiner = spec.get("combiner")
    if combiner is not None and len(combiner) != len(spec["features"]) + 2:
        raise PrmFormatError(f"{directory}: combiner needs {len(spec['features']) + 2} "
                             f"weights, has {len(combiner)}")
    return FormatSpec(**spec)


class Bundled:
    name = KIND

    def detect(self, directory: Path, config: dict, tok_config: dict) -> FormatSpec | None:
        spec = spec_from_file(directory)
        return spec if spec is not None and spec.kind == KIND else None

    def load_tokenizer(self, directory: Path, spec: FormatSpec) -> PreTrainedTokenizerFast:
        return PreTrainedTokenizerFast.from_pretrained(str(directory))

    def guard_extra(self, spec: FormatSpec) -> tuple[str, ...]:
        return (spec.step_tag, "<|im_start|>", "<|im_end|>", "<|endoftext|>", *arith.MARKERS)

    def encode(self, codec: Codec, problem: str, steps: Sequence[str],
               limit: int | None = None) -> Encoded:
        spec, tok = codec.spec, codec.tokenizer
        problem = codec.guard.clean(problem)
        clean = [codec.guard.clean(s) for s in steps]
        sys_turn = (f"<|im_start|>system\n{spec.system_prompt}<|im_end|>\n"
                    if spec.system_prompt else "")
        prompt = f"{sys_turn}<|im_start|>user\n{problem}<|im_end|>\n<|im_start|>assistant\n"
        prompt_ids = list(tok(prompt, add_special_tokens=False)["input_ids"])
        marks = [""] * len(clean)
        if spec.step_features and limit is not None:
            # the arithmetic checks cost far more than tokenizing: first make sure the item
            # fits without its markers (markers only add tokens)
            plain = "".join(f"{s}{spec.step_tag}" for s in clean) + "<|im_end|>\n"
            n = len(prompt_ids) + len(tok(plain, add_special_tokens=False)["input_ids"])
            if n > limit:
                raise TooLong(f"{n} tokens > max {limit}")
        if spec.step_features:
            feats = arith.step_features(problem, clean)
            marks = ["".join(arith.marker(n) for n, on in zip(spec.features, f.flags(spec.features),
                                                         strict=True) if on) for f in feats]
        # no space before the tag unless markers go there: the hub model was trained on exactly
        # "<extra_0>".join(steps) + "<extra_0>"
        body = "".join(f"{s} {m}{spec.step_tag}" if m else f"{s}{spec.step_tag}"
                       for s, m in zip(clean, marks, strict=True)) + "<|im_end|>\n"
        ids = prompt_ids + list(tok(body, add_special_tokens=False)["input_ids"])
        tag = last_id(tok, spec.step_tag)
        # the guard removed every tag string from the text: each tag id after the prompt is ours
        positions = [i for i, t in enumerate(ids) if t == tag and i >= len(prompt_ids)]
        return Encoded(ids, positions, len(prompt_ids))

    def load_model(self, directory: Path, codec: Codec, dtype: torch.dtype) -> StepScorer:
        model = load_qwen_prm(directory, codec.spec.members)
        markers = ([last_id(codec.tokenizer, arith.marker(f)) for f in codec.spec.features]
                   if codec.spec.combiner else [])
        return TwoClassScorer(model, codec.spec.combiner, markers).to(dtype=dtype)


class TwoClassScorer(StepScorer):
    """P(step correct) = softmax(two-class logits)[..., 1], or the combiner's sigmoid of the
    step logit and the marker flags before each tag."""

    def __init__(self, model: torch.nn.Module, combiner: tuple[float, ...] | None = None,
                 markers: Sequence[int] = ()) -> None:
        super().__init__()
        self.model = model
        self.config = model.config
        self.combiner = combiner
        self.markers = list(markers)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        logits = self.model(ids, mask).float()  # (B, T, 2)
        if not self.combiner:
            return logits.softmax(-1)[..., 1]
        n_flags = len(self.combiner) - 2
        # a step's markers are the unbroken run of marker tokens right before its tag
        marker_ids = torch.tensor(self.markers, device=ids.device)
        before = torch.stack([F.pad(ids, (k, 0))[:, :-k]
                              for k in range(1, n_flags + 1)])  # (K, B, T)
        in_run = torch.isin(before, marker_ids).long().cumprod(0).bool()  # (K, B, T)
        flags = torch.stack([((before == marker_id) & in_run).any(0)
                             for marker_id in self.markers], dim=-1)  # (B, T, K)
        return apply_combiner(self.combiner, logits[..., 1] - logits[..., 0], flags)


def load_qwen_prm(directory: Path, members: tuple[str, ...] = ()) -> torch.nn.Module:
    config = AutoConfig.from_pretrained(str(directory))
    if not isinstance(config, Qwen2Config):
        raise PrmFormatError(f"{directory}: qwen_prm needs a Qwen2 config, got {type(config)}")
    if members:
        missing = [m for m in members if not (directory / m).is_file()]
        if missing:
            raise PrmFormatError(f"{directory}: ensemble member files missing: {missing}")
        return PrmEnsemble([_qwen_prm_from(config, [directory / m], directory / m)
                            for m in members])
    files = sorted(directory.glob("*.safetensors"))
    if not files:
        raise PrmFormatError(f"{directory}: no *.safetensors")
    return _qwen_prm_from(config, files, directory)


def _qwen_prm_from(config: Qwen2Config, files: list[Path], where: Path) -> QwenPrm:
    """One QwenPrm from the union of the tensors in `files` (hub shards, or one member)."""
    model = QwenPrm(config)
    state: dict[str, torch.Tensor] = {}
    for f in files:
        state.update(load_file(str(f)))
    state = {k: v for k, v in state.items() if k.startswith(("model.", "score."))}
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # a shape mismatch, e.g. a member of another architecture
        raise PrmFormatError(f"{where}: {exc}") from exc
    missing = [k for k in missing if "rotary_emb" not in k]
    if missing or unexpected:
        raise PrmFormatError(f"{where}: missing {missing[:5]}, unexpected {unexpected[:5]}")
    return model


FAMILY = Bundled()
