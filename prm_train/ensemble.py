"""Pack trained checkpoints of one architecture and vocabulary into one ensemble checkpoint.

    .venv/bin/python -m prm_train.ensemble --out DIR RUN_DIR [RUN_DIR ...]
    .venv/bin/python -m prm_train.calibrate /tmp/prm_dev.jsonl --prm DIR

Each member's `model.safetensors` is copied as `member-K.safetensors` (each one a complete
Qwen2.5-Math-PRM-layout state dict); `config.json` and the tokenizer come from the first member;
`prm_format.json` lists the members and drops any combiner, which must be refitted on the
ensemble's scores (`prm_train.calibrate`). `training.json` keeps every member's training record.
The loader (`prm/formats.py`) scores the ensemble as sigmoid of the members' mean log-odds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from prm import tokenizer
from prm.formats import PrmFormatError


def pack(members: list[Path], out: Path) -> Path:
    """Write the ensemble checkpoint to `out`; PrmFormatError if the members do not match."""
    if len(members) < 2:
        raise PrmFormatError("an ensemble needs at least two members")
    first = members[0]
    config = _config(first)  # the loader builds every member from this one config
    for m in members[1:]:
        for name in tokenizer.FILES:
            if (m / name).read_bytes() != (first / name).read_bytes():
                raise PrmFormatError(f"{m}: {name} differs from {first}'s (train members with "
                                     f"`prm_train.train --tokenizer {first}`)")
        other = _config(m)
        differing = sorted(k for k in config.keys() | other.keys()
                           if config.get(k) != other.get(k))
        if differing:
            raise PrmFormatError(f"{m}: architecture (config.json) differs from {first}'s in "
                                 f"{differing}")
    out.mkdir(parents=True, exist_ok=True)
    for name in (*tokenizer.FILES, "config.json"):
        shutil.copyfile(first / name, out / name)
    files = []
    for k, m in enumerate(members):
        files.append(f"member-{k}.safetensors")
        shutil.copyfile(m / "model.safetensors", out / files[-1])
    fmt_file = first / "prm_format.json"  # absent in hub checkpoints: the layout is qwen_prm
    fmt = json.loads(fmt_file.read_text()) if fmt_file.exists() else {"kind": "qwen_prm"}
    fmt.pop("combiner", None)
    fmt["members"] = files
    (out / "prm_format.json").write_text(json.dumps(fmt, indent=2) + "\n")
    cards = [json.loads(p.read_text()) if (p := m / "training.json").exists() else {}
             for m in members]
    (out / "training.json").write_text(json.dumps({"members": [
        {"file": f, **card} for f, card in zip(files, cards, strict=True)]}, indent=2) + "\n")
    return out


def _config(directory: Path) -> dict:
    return json.loads((directory / "config.json").read_text())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("members", nargs="+", help="checkpoint directories written by prm_train.train")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    try:
        out = pack([Path(m) for m in args.members], Path(args.out))
    except (PrmFormatError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({len(args.members)} members); "
          "now fit its combiner with prm_train.calibrate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
