"""`--prm PATH_OR_ID`: a directory, or a Hugging Face model id found in the LOCAL Hugging Face
cache (never downloaded: the service starts offline and never fetches code or weights).

    resolve_checkpoint("prm/weights")               -> "prm/weights"
    resolve_checkpoint("Qwen/Qwen2.5-Math-PRM-7B")  -> the snapshot directory
        $HF_HOME/hub/models--Qwen--Qwen2.5-Math-PRM-7B/snapshots/<rev>

The cache is huggingface_hub's layout (`models--org--name/refs/main` naming a snapshot under
`snapshots/`), found at HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub, read
when this is called (not when the module was imported). `org/name@rev` picks a revision.
Imports neither torch nor transformers (the CLI resolves before loading anything).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+(@[\w./-]+)?$")


class CheckpointNotFound(Exception):
    """Neither a directory nor a model id in the local cache; the message says where we looked
    and how to fetch it."""


def hub_cache() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or str(Path.home() / ".cache" / "huggingface")
    return Path(home) / "hub"


def resolve_checkpoint(path_or_id: str) -> str:
    """The directory to load: `path_or_id` itself if it is a directory, else the cached snapshot
    of that model id. CheckpointNotFound otherwise (one line, no traceback needed)."""
    if Path(path_or_id).expanduser().is_dir():
        return str(Path(path_or_id).expanduser())
    if not _REPO_ID.match(path_or_id) or Path(path_or_id).expanduser().exists():
        raise CheckpointNotFound(f"--prm {path_or_id}: no such directory (and not a model id "
                                 "like org/name)")
    repo_id, _, revision = path_or_id.partition("@")
    cache = hub_cache()
    from huggingface_hub import snapshot_download  # a dependency of transformers

    try:
        snapshot = snapshot_download(repo_id, revision=revision or None, cache_dir=str(cache),
                                     local_files_only=True)
    except Exception as exc:  # LocalEntryNotFoundError and friends, all "not here"
        raise CheckpointNotFound(
            f"--prm {path_or_id}: not a directory, and not in the local Hugging Face cache "
            f"{cache / ('models--' + repo_id.replace('/', '--'))} (HF_HOME / HF_HUB_CACHE); "
            f"fetch it with `hf download {repo_id}` where there is network (same HF_HOME), or "
            f"pass the checkpoint's directory [{type(exc).__name__}]") from None
    return str(snapshot)
