"""Trainer adapters: each trainer's exact reward-function contract on top of ComputeReward.

    mathreward.adapters.trl       make_reward_func(...) / reward   (TRL GRPOTrainer reward_funcs)
    mathreward.adapters.verl      compute_score / compute_score_async (custom_reward_function)
    mathreward.adapters.openrlhf  reward_func(queries, prompts, labels)  (--reward.remote_url F.py)

Shared here: pulling text out of the trainers' prompt/completion shapes, and reading
`MATHREWARD_ADDRESS` / `MATHREWARD_SPEC` / `MATHREWARD_TIMEOUT_S` / `MATHREWARD_ON_ERROR` /
`MATHREWARD_ANSWER_COLUMN` / `MATHREWARD_EXTRACTION` (strict | lenient) for adapters used by
import path (read at call time, never at import).
Locating the response in OpenRLHF's query: `mathreward.adapters._response`.

No silent zeros: when the service cannot answer (after retrying until the deadline) the adapters
follow `on_error`: "raise" (the default: the training step fails with a clear error), "zero"
(reward 0 for every sample, a warning logged), or "none" (TRL only: None = no reward for the
sample). A missing gold column is always an error that names the column looked for.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from mathreward.adapters._remote import RemoteConfig
from mathreward.reward_spec import RewardSpec, get_preset
from verifier.types import EXTRACTION_MODES, VerifyOptions

ENV_ADDRESS = "MATHREWARD_ADDRESS"
ENV_SPEC = "MATHREWARD_SPEC"
ENV_TIMEOUT = "MATHREWARD_TIMEOUT_S"
ENV_ON_ERROR = "MATHREWARD_ON_ERROR"
ENV_ANSWER_COLUMN = "MATHREWARD_ANSWER_COLUMN"
ENV_EXTRACTION = "MATHREWARD_EXTRACTION"  # strict (default, for RL) | lenient (evaluation)
DEFAULT_ADDRESS = "localhost:50051"
ON_ERROR_CHOICES = ("raise", "zero", "none")


class MissingGoldError(ValueError):
    """The gold answers are not where the adapter was told to look (names what it looked for)."""


def resolve_on_error(value: str | None = None, environ: Mapping[str, str] | None = None, *,
                     allow_none: bool = True) -> str:
    """`value`, else MATHREWARD_ON_ERROR, else "raise"; checked against the choices."""
    env = os.environ if environ is None else environ
    choice = (value or env.get(ENV_ON_ERROR) or "raise").strip().lower()
    if choice not in ON_ERROR_CHOICES:
        raise ValueError(f"on_error={choice!r}: choose one of {', '.join(ON_ERROR_CHOICES)} "
                         f"(argument on_error= or {ENV_ON_ERROR})")
    if choice == "none" and not allow_none:
        raise ValueError("on_error='none' is for TRL only (None = no reward for a sample); this "
                         "trainer has no such value: use 'raise' or 'zero'")
    return choice


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


def resolve_spec(spec: RewardSpec | str | None) -> RewardSpec:
    if isinstance(spec, RewardSpec):
        return spec
    return get_preset(spec or "orm")


def config_from_env(address: str | None = None, spec: RewardSpec | str | None = None,
                    environ: Mapping[str, str] | None = None) -> RemoteConfig:
    """RemoteConfig from explicit values, else MATHREWARD_* variables, else defaults."""
    env = os.environ if environ is None else environ
    timeout = float(env.get(ENV_TIMEOUT) or 120.0)
    extraction = env.get(ENV_EXTRACTION) or "strict"
    if extraction not in EXTRACTION_MODES:
        raise ValueError(f"{ENV_EXTRACTION}={extraction!r}: expected one of {EXTRACTION_MODES}")
    return RemoteConfig(address=address or env.get(ENV_ADDRESS) or DEFAULT_ADDRESS,
                        spec=resolve_spec(spec or env.get(ENV_SPEC)), timeout_s=timeout,
                        options=VerifyOptions(extraction=extraction))
