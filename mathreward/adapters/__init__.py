"""Trainer adapters: each trainer's exact reward-function contract on top of ComputeReward.

    mathreward.adapters.trl       make_reward_func(...) / reward   (TRL GRPOTrainer reward_funcs)
    mathreward.adapters.verl      compute_score / compute_score_async (custom_reward_function)
    mathreward.adapters.openrlhf  reward_func(queries, prompts, labels) (--remote_rm_url FILE.py)

Shared here: pulling text out of the trainers' prompt/completion shapes, stripping the prompt
from OpenRLHF's query, and reading `MATHREWARD_ADDRESS` / `MATHREWARD_SPEC` /
`MATHREWARD_TIMEOUT_S` for adapters used by import path (read at call time, never at import).
No adapter ever raises for a bad item or a failed call: it logs and returns the fallback reward.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from mathreward.adapters._remote import RemoteConfig
from mathreward.reward_spec import RewardSpec, get_preset

ENV_ADDRESS = "MATHREWARD_ADDRESS"
ENV_SPEC = "MATHREWARD_SPEC"
ENV_TIMEOUT = "MATHREWARD_TIMEOUT_S"
DEFAULT_ADDRESS = "localhost:50051"


def message_text(value: Any, role: str | None = None) -> str:
    """Text of a plain string, or of the last message (with `role`, if given) in a chat list."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return str(value.get("content") or "")
    messages = [m for m in value if isinstance(m, Mapping)]
    if role is not None:
        messages = [m for m in messages if m.get("role") == role] or messages
    return message_text(messages[-1]) if messages else ""


def completion_text(completion: Any) -> str:
    """TRL completion: a string, or a message list whose last assistant message is the answer."""
    return message_text(completion, role="assistant")


def prompt_text(prompt: Any) -> str:
    """TRL prompt: a string, or a message list whose last user message is the problem."""
    return message_text(prompt, role="user")


def strip_prompt(query: str, prompt: str) -> str:
    """OpenRLHF's query is prompt + response (decoded together): return the response part.

    Exact prefix first; else the text after the prompt's last occurrence (a decoded query may
    carry a BOS token or re-spaced template before the prompt); else the whole query.
    """
    if prompt and query.startswith(prompt):
        return query[len(prompt):]
    at = query.rfind(prompt) if prompt else -1
    return query[at + len(prompt):] if at >= 0 else query


def resolve_spec(spec: RewardSpec | str | None) -> RewardSpec:
    if isinstance(spec, RewardSpec):
        return spec
    return get_preset(spec or "orm")


def config_from_env(address: str | None = None, spec: RewardSpec | str | None = None,
                    environ: Mapping[str, str] | None = None) -> RemoteConfig:
    """RemoteConfig from explicit values, else MATHREWARD_* variables, else defaults."""
    env = os.environ if environ is None else environ
    timeout = float(env.get(ENV_TIMEOUT) or 120.0)
    return RemoteConfig(address=address or env.get(ENV_ADDRESS) or DEFAULT_ADDRESS,
                        spec=resolve_spec(spec or env.get(ENV_SPEC)), timeout_s=timeout)
