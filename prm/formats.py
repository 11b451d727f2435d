"""One adapter per PRM checkpoint family, behind one interface used by the engine.

- `qwen_prm`: Qwen2.5-Math-PRM layout (Qwen2 backbone + `score` head, chat template, steps joined
  by `<extra_0>`, P(correct) = softmax(logits)[..., 1] at each `<extra_0>`). Our bundled model is
  this layout too, with `system_prompt` empty and `step_features` on (exact-arithmetic marker
  tokens before each step tag, see `prm/arith.py`), and it is an ensemble: `members` lists one
  complete safetensors state dict per member (`prm/ensemble.py` packs them).
- `math_shepherd`: a causal LM; `question + " " + "Step 1: ... ки\\nStep 2: ... ки"`; at each
  `ки`, softmax over the logits of the `+` and `-` tokens, index of `+`.

The family is read from `prm_format.json` in the model directory when present, else guessed from
`config.json` (`Qwen2ForProcessRewardModel` -> qwen_prm; `*ForCausalLM` -> math_shepherd).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from transformers import AutoConfig, AutoModelForCausalLM, PreTrainedTokenizerFast, Qwen2Config

from prm import arith
from prm.model import PrmEnsemble, QwenPrm

QWEN_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."


class PrmFormatError(Exception):
    """The model directory is not a supported PRM checkpoint."""


@dataclass(frozen=True)
class FormatSpec:
    kind: str  # "qwen_prm" | "math_shepherd"
    step_tag: str = "<extra_0>"
    system_prompt: str | None = QWEN_SYSTEM  # qwen_prm only; None/"" = no system turn
    step_features: bool = False  # insert exact-arithmetic markers (our bundled model)
    features: tuple[str, ...] = arith.LEGACY_FEATURES  # which markers, in this order
    good_token: str = "+"  # math_shepherd only
    bad_token: str = "-"
    max_length: int = 4096
    # Optional learned combiner (prm/calibrate.py) of the model's step logit with the exact
    # arithmetic flags: P = sigmoid(w0 * logit + sum_k w_k * flag_k + b), one w_k per feature.
    combiner: tuple[float, ...] | None = None
    # qwen_prm only: an ensemble of same-architecture, same-tokenizer members, one safetensors
    # file each (names relative to the directory). The step logit is the members' mean, i.e.
    # P = sigmoid(mean member log-odds), before the combiner. Empty = one model from all
    # *.safetensors in the directory (hub shards merged).
    members: tuple[str, ...] = ()

    @staticmethod
    def read(directory: Path) -> FormatSpec:
        fmt_file = directory / "prm_format.json"
        if fmt_file.exists():
            data = json.loads(fmt_file.read_text())
            spec = {k: v for k, v in data.items() if k in _SPEC_FIELDS}
            if spec.get("combiner") is not None:
                spec["combiner"] = tuple(float(x) for x in spec["combiner"])
            spec["features"] = tuple(spec.get("features", arith.LEGACY_FEATURES))
            spec["members"] = tuple(str(m) for m in spec.get("members", ()))
            unknown = set(spec["features"]) - set(arith.FEATURES)
            if unknown:
                raise PrmFormatError(f"{directory}: unknown features {sorted(unknown)}")
            combiner = spec.get("combiner")
            if combiner is not None and len(combiner) != len(spec["features"]) + 2:
                raise PrmFormatError(f"{directory}: combiner needs {len(spec['features']) + 2} "
                                     f"weights, has {len(combiner)}")
            return FormatSpec(**spec)
        cfg_file = directory / "config.json"
        if not cfg_file.exists():
            raise PrmFormatError(f"{directory}: no config.json")
        archs = json.loads(cfg_file.read_text()).get("architectures") or [""]
        if archs[0] == "Qwen2ForProcessRewardModel":
            return FormatSpec(kind="qwen_prm")
        if archs[0].endswith("ForCausalLM"):
            return FormatSpec(kind="math_shepherd", step_tag="ки", system_prompt=None)
        raise PrmFormatError(f"{directory}: unsupported architecture {archs[0]!r}")


_SPEC_FIELDS = set(FormatSpec.__dataclass_fields__)


@dataclass(frozen=True)
class Encoded:
    ids: list[int]
    tag_positions: list[int]  # one per step, in order
    prompt_len: int  # tokens before the first step (training: LM-loss boundary)


def _clean(text: str, spec: FormatSpec) -> str:
    """Hostile text must not forge step tags or chat-template tokens."""
    for t in (spec.step_tag, "<|im_start|>", "<|im_end|>", "<|endoftext|>", *arith.MARKERS):
        text = text.replace(t, " ")
    return text


def prompt_text(spec: FormatSpec, problem: str) -> str:
    problem = _clean(problem, spec)
    if spec.kind == "math_shepherd":
        return problem + " "
    sys_turn = f"<|im_start|>system\n{spec.system_prompt}<|im_end|>\n" if spec.system_prompt else ""
    return f"{sys_turn}<|im_start|>user\n{problem}<|im_end|>\n<|im_start|>assistant\n"


def steps_text(spec: FormatSpec, problem: str, steps: Sequence[str]) -> str:
    clean = [_clean(s, spec) for s in steps]
    if spec.kind == "math_shepherd":  # exactly as the Math-Shepherd reference code builds it
        return "".join(f"Step {i + 1}: {s} {spec.step_tag}\n" for i, s in enumerate(clean))
    marks = [""] * len(clean)
    if spec.step_features:
        feats = arith.step_features(problem, clean)
        marks = ["".join(arith.marker(n) for n, on in zip(spec.features, f.flags(spec.features),
                                                     strict=True) if on) for f in feats]
    # no space before the tag unless markers go there: the hub model was trained on exactly
    # "<extra_0>".join(steps) + "<extra_0>"
    body = "".join(f"{s} {m}{spec.step_tag}" if m else f"{s}{spec.step_tag}"
                   for s, m in zip(clean, marks, strict=True))
    return body + "<|im_end|>\n"


def encode(spec: FormatSpec, tokenizer, problem: str, steps: Sequence[str]) -> Encoded:
    """Token ids of one (problem, steps) item and the position of each step's tag."""
    prompt = prompt_text(spec, problem)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    step_ids = tokenizer(steps_text(spec, problem, steps), add_special_tokens=False)["input_ids"]
    ids = list(prompt_ids) + list(step_ids)
    tag = tag_id(spec, tokenizer)
    positions = [i for i, t in enumerate(ids) if t == tag and i >= len(prompt_ids)]
    return Encoded(ids, positions, len(prompt_ids))


def tag_id(spec: FormatSpec, tokenizer) -> int:
    return _last_id(tokenizer, spec.step_tag)


def _last_id(tokenizer, text: str) -> int:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if not ids:
        raise PrmFormatError(f"tokenizer cannot encode {text!r}")
    return ids[-1]


@dataclass
class LoadedPrm:
    """A loaded checkpoint: `step_probs` maps a padded batch to P(step correct) per token."""

    spec: FormatSpec
    tokenizer: PreTrainedTokenizerFast
    model: torch.nn.Module
    pad_id: int
    extra: dict = field(default_factory=dict)

    def step_probs(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B, T) ids, mask -> (B, T) probability that the step ending at each token is right."""
        if self.spec.kind == "math_shepherd":
            logits = self.model(input_ids=ids, attention_mask=mask).logits  # (B, T, V)
            pair = logits[..., [self.extra["good_id"], self.extra["bad_id"]]]  # (B, T, 2)
            return pair.float().softmax(-1)[..., 0]
        logits = self.model(ids, mask).float()  # (B, T, 2)
        if not self.spec.combiner:
            return logits.softmax(-1)[..., 1]
        w_logit, *w_flags, bias = self.spec.combiner
        z = w_logit * (logits[..., 1] - logits[..., 0]) + bias  # (B, T) from the step logit
        # a step's markers are the unbroken run of marker tokens right before its tag
        marker_ids = torch.tensor(self.extra["markers"], device=ids.device)
        before = torch.stack([F.pad(ids, (k, 0))[:, :-k]
                              for k in range(1, len(w_flags) + 1)])  # (K, B, T)
        in_run = torch.isin(before, marker_ids).long().cumprod(0).bool()  # (K, B, T)
        for w, marker_id in zip(w_flags, self.extra["markers"], strict=True):
            flag = ((before == marker_id) & in_run).any(0)  # (B, T)
            z = z + w * flag.float()
        return torch.sigmoid(z)


def load_codec(directory: Path) -> tuple[FormatSpec, PreTrainedTokenizerFast]:
    """The format spec and tokenizer: what encoding needs, without the model (the engine's
    encode worker processes load only this, and must encode exactly as `load` does)."""
    return FormatSpec.read(directory), PreTrainedTokenizerFast.from_pretrained(str(directory))


def load(path: str | Path, device: torch.device, dtype: torch.dtype) -> LoadedPrm:
    directory = Path(path)
    spec, tokenizer = load_codec(directory)
    pad_id = tokenizer.pad_token_id
    if pad_id is None:
        pad_id = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
    if spec.kind == "qwen_prm":
        model = _load_qwen_prm(directory, spec.members)
        extra: dict = {}
        if spec.combiner:
            extra["markers"] = [_last_id(tokenizer, arith.marker(f)) for f in spec.features]
    elif spec.kind == "math_shepherd":
        model = AutoModelForCausalLM.from_pretrained(str(directory), dtype=torch.float32)
        extra = {"good_id": _last_id(tokenizer, spec.good_token),
                 "bad_id": _last_id(tokenizer, spec.bad_token)}
    else:
        raise PrmFormatError(f"unknown format kind {spec.kind!r}")
    model = model.to(device=device, dtype=dtype).eval()
    return LoadedPrm(spec, tokenizer, model, pad_id, extra)


def _load_qwen_prm(directory: Path, members: tuple[str, ...] = ()) -> torch.nn.Module:
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
