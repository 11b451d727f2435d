"""Reading hub-layout weights: one `model.safetensors`, or shards listed by
`model.safetensors.index.json`; the backbone through transformers (in the serving dtype, no
fp32 copy), the small heads read tensor by tensor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from safetensors import safe_open
from transformers import PreTrainedModel
from transformers.utils import logging as hf_logging

from prm.formats.base import PrmFormatError, read_json


def weight_files(directory: Path) -> dict[str, Path]:
    """Tensor name -> file holding it."""
    index = directory / "model.safetensors.index.json"
    if index.is_file():
        weight_map = read_json(index).get("weight_map") or {}
        files = {name: directory / f for name, f in weight_map.items()}
        absent = sorted({str(f.name) for f in files.values() if not f.is_file()})
        if absent:
            raise PrmFormatError(f"{directory}: shards listed in {index.name} are missing: "
                                 f"{absent[:5]}")
        return files
    out: dict[str, Path] = {}
    for f in sorted(directory.glob("*.safetensors")):
        with safe_open(str(f), framework="pt") as sf:
            out.update({name: f for name in sf.keys()})
    if not out:
        raise PrmFormatError(f"{directory}: no *.safetensors")
    return out


def read_tensors(directory: Path, prefix: str,
                 required: tuple[str, ...]) -> dict[str, torch.Tensor]:
    """The tensors named `prefix + r` for each r in `required`, keyed by r."""
    files = weight_files(directory)
    missing = [prefix + r for r in required if prefix + r not in files]
    if missing:
        raise PrmFormatError(f"{directory}: weights missing: {missing}")
    out = {}
    for r in required:
        with safe_open(str(files[prefix + r]), framework="pt") as sf:
            out[r] = sf.get_tensor(prefix + r)
    return out


def load_pretrained(cls: type[PreTrainedModel], directory: Path, dtype: torch.dtype,
                    ignore: tuple[str, ...] = ()) -> PreTrainedModel:
    """`cls.from_pretrained` in `dtype`; PrmFormatError if any of its weights is missing."""
    weight_files(directory)  # a clear error for absent or incomplete shards first
    try:
        with _quiet_transformers():
            model, info = cls.from_pretrained(str(directory), dtype=dtype,
                                              output_loading_info=True)
    except (OSError, ValueError, RuntimeError) as exc:
        raise PrmFormatError(f"{directory}: {exc}") from exc
    missing = [k for k in info.get("missing_keys", ()) if "rotary" not in k
               and not any(i in k for i in ignore)]
    mismatched = info.get("mismatched_keys") or []
    if missing or mismatched:
        raise PrmFormatError(f"{directory}: weights missing {sorted(missing)[:5]}, "
                             f"mismatched {list(mismatched)[:5]}")
    return model.eval()


@contextmanager
def _quiet_transformers() -> Iterator[None]:
    """No load report or progress bar on the server's stderr: the head weights transformers
    calls "unexpected" are read by us, and missing weights are checked above. Restored after."""
    level, bar = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bar:
            hf_logging.enable_progress_bar()
