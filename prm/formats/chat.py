"""Rendering chat-template families: the checkpoint's own template when it ships one (exactly
what upstream's `apply_chat_template` renders), with a placeholder where each step tag goes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prm.formats.base import PrmFormatError, read_json


def chat_template_text(directory: Path) -> str:
    """The template as shipped: `chat_template` in tokenizer_config.json, or chat_template.jinja
    (newer transformers save it there); "" if none."""
    template = read_json(directory / "tokenizer_config.json").get("chat_template") or ""
    if isinstance(template, list):  # named templates: the default one
        template = next((t.get("template", "") for t in template
                         if t.get("name") == "default"), "")
    jinja = directory / "chat_template.jinja"
    if not template and jinja.is_file():
        template = jinja.read_text()
    return str(template)


def render(tokenizer: Any, messages: list[dict[str, str]]) -> str:
    if not getattr(tokenizer, "chat_template", None):
        raise PrmFormatError("the tokenizer has no chat template")
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
