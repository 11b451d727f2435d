"""What every checkpoint family shares: the spec, the encoded item, the adapter interface, and
the two rules that keep hostile text from forging step tags.

Hostile text (problem or step text containing `<extra_0>`, `ки`, `<|im_end|>`, ...):
1. Before an input is built, every string the checkpoint's tokenizer treats as an added or
   special token, the family's step tag, and our own placeholder character are replaced by one
   space in the problem and in each step (`Guard.clean`), until none is left. Upstream code
   encodes such text as-is, so there a step containing "<extra_0>" gets two scores; here it
   gets one, and the text reads as if that string were a blank. Ordinary text is untouched, so
   its tokens are exactly upstream's.
2. Step positions are never found by searching the token ids for the tag id over the whole
   input: a position counts only if its token carries the tag id AND overlaps the character span
   where we inserted that tag (`tag_token_positions`, from the fast tokenizer's offset mapping),
   or (Skywork) it is the id we appended ourselves. A tokenizer merge that turned user text into
   a tag id could not add a step, and an item whose tags are not found one per step is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch

from prm import arith
from prm.types import PrmFormatError

QWEN_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."
PLACEHOLDER = "\x00"  # where a step tag goes while a chat template is rendered


class TooLong(Exception):
    """An item needs more tokens than the checkpoint takes (found before the costly part of
    encoding, e.g. the bundled model's arithmetic checks)."""


@dataclass(frozen=True)
class FormatSpec:
    """How one checkpoint is served. `kind` names the family (`prm/formats/__init__.py`); the
    other fields are options some families read (the bundled layout reads them all from
    `prm_format.json`)."""

    kind: str
    step_tag: str = "<extra_0>"
    system_prompt: str | None = QWEN_SYSTEM  # None/"" = no system turn
    step_features: bool = False  # insert exact-arithmetic markers (our bundled model)
    features: tuple[str, ...] = arith.LEGACY_FEATURES  # which markers, in this order
    good_token: str = "+"  # token-logit families
    bad_token: str = "-"
    # Longest input in tokens; None = the checkpoint's context (config.json
    # max_position_embeddings, see `context_length`).
    max_length: int | None = None
    # Optional learned combiner (prm/calibrate.py) of the model's step logit with the exact
    # arithmetic flags: P = sigmoid(w0 * logit + sum_k w_k * flag_k + b), one w_k per feature.
    combiner: tuple[float, ...] | None = None
    # bundled layout: an ensemble of same-architecture, same-tokenizer members, one safetensors
    # file each (names relative to the directory); the step logit is the members' mean.
    members: tuple[str, ...] = ()


SPEC_FIELDS = frozenset(FormatSpec.__dataclass_fields__)


@dataclass(frozen=True)
class Encoded:
    ids: list[int]
    tag_positions: list[int]  # where each step's score is read, one per step, in order
    prompt_len: int  # tokens before the first step (training: LM-loss boundary)


class StepScorer(torch.nn.Module):
    """A loaded model as the engine sees it: (B, T) ids and mask -> (B, T) P(step correct) at
    every position (the engine reads the positions `Encoded.tag_positions` names)."""


class Family(Protocol):
    """One checkpoint family: how to recognise it, build its input, and read its scores."""

    name: str

    def detect(self, directory: Path, config: dict, tok_config: dict) -> FormatSpec | None:
        """The spec if `directory` holds this family's layout, else None (cheap: JSON only)."""

    def load_tokenizer(self, directory: Path, spec: FormatSpec) -> Any: ...

    def encode(self, codec: Codec, problem: str, steps: Sequence[str],
               limit: int | None = None) -> Encoded:
        """Token ids and score positions; may raise TooLong once it knows the item has more
        than `limit` tokens (families with costly extra work check before doing it)."""

    def guard_extra(self, spec: FormatSpec) -> tuple[str, ...]:
        """Strings user text may not contain besides the tokenizer's added tokens."""

    def load_model(self, directory: Path, codec: Codec, dtype: torch.dtype) -> StepScorer: ...


@dataclass(frozen=True)
class Codec:
    """What encoding needs (no model): the family, its spec, the tokenizer and the guard."""

    family: Family
    spec: FormatSpec
    tokenizer: Any
    guard: Guard = field(repr=False)
    # The most characters one token can cover (longest vocabulary entry); None for a
    # word-level vocabulary with <unk>, where a whole whitespace-free word is one token.
    chars_per_token: int | None = None

    def encode(self, problem: str, steps: Sequence[str], limit: int | None = None) -> Encoded:
        return self.family.encode(self, problem, steps, limit)

    def min_tokens(self, texts: Sequence[str]) -> int:
        """A lower bound on the tokens these texts need, cheap next to tokenizing: length over
        the longest token's length, or (word level) the whitespace-separated words."""
        if self.chars_per_token is None:
            return sum(len(t.split()) for t in texts)
        return sum(-(-len(t) // self.chars_per_token) for t in texts)


def chars_per_token(tokenizer: Any) -> int | None:
    """See `Codec.chars_per_token`. Byte-level BPE entries are one character per byte, so the
    longest entry bounds the text characters a token covers; SentencePiece entries are text."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None and type(backend.model).__name__ == "WordLevel":
        return None
    vocab = tokenizer.get_vocab()
    longest = max((len(t) for t in vocab), default=1) or 1
    # a normalizer may compose several input characters into one (NFC: up to 3, e.g. Hangul
    # jamo or a letter with two combining marks) before the vocabulary sees them
    return longest * 4 if backend is not None and backend.normalizer is not None else longest


@dataclass(frozen=True)
class Guard:
    """Strings user text may not contain (rule 1 in the module docstring)."""

    pattern: re.Pattern | None

    @staticmethod
    def for_tokenizer(tokenizer: Any, *extra: str) -> Guard:
        words = set(getattr(tokenizer, "get_added_vocab", dict)().keys())
        words.update(str(t) for t in getattr(tokenizer, "all_special_tokens", ()) or ())
        words.update(extra)
        words.add(PLACEHOLDER)
        words = {w for w in words if w and not w.isspace()}
        if not words:
            return Guard(None)
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        return Guard(re.compile(alternatives))

    def clean(self, text: str) -> str:
        if self.pattern is None:
            return text
        for _ in range(len(text) + 1):  # a replacement cannot create a new match, but be sure
            new = self.pattern.sub(" ", text)
            if new == text:
                return new
            text = new
        return text


def tag_token_positions(tokenizer: Any, text: str, spans: Sequence[tuple[int, int]],
                        tag_id: int, add_special_tokens: bool) -> tuple[list[int], list[int]]:
    """Encode `text` as ONE string (as upstream does) and return (ids, positions): for each
    character span where we inserted a tag, the token that carries `tag_id` and overlaps it.
    PrmFormatError if a span has no such token (the item then gets an ERROR status)."""
    enc = tokenizer(text, add_special_tokens=add_special_tokens, return_offsets_mapping=True)
    ids, offsets = list(enc["input_ids"]), enc["offset_mapping"]
    positions: list[int] = []
    k = 0
    for start, end in spans:
        while k < len(ids) and not (ids[k] == tag_id and offsets[k][0] < end
                                    and offsets[k][1] > start):
            if offsets[k][0] >= end and offsets[k][1] > offsets[k][0]:
                raise PrmFormatError(f"step tag at characters {start}-{end} lost in tokenization")
            k += 1
        if k == len(ids):
            raise PrmFormatError(f"step tag at characters {start}-{end} lost in tokenization")
        positions.append(k)
        k += 1
    return ids, positions


def fill_placeholders(text: str, tag: str) -> tuple[str, list[tuple[int, int]]]:
    """Replace each PLACEHOLDER in a rendered template by `tag`; the tags' character spans."""
    parts = text.split(PLACEHOLDER)
    out, spans, pos = [parts[0]], [], len(parts[0])
    for part in parts[1:]:
        spans.append((pos, pos + len(tag)))
        out.extend((tag, part))
        pos += len(tag) + len(part)
    return "".join(out), spans


def last_id(tokenizer: Any, text: str, add_special_tokens: bool = False) -> int:
    ids = tokenizer(text, add_special_tokens=add_special_tokens)["input_ids"]
    if not ids:
        raise PrmFormatError(f"tokenizer cannot encode {text!r}")
    return int(ids[-1])


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, ValueError) as exc:
        raise PrmFormatError(f"{path}: unreadable JSON ({exc})") from exc


def context_length(directory: Path, spec: FormatSpec) -> int:
    """The longest input the checkpoint takes: `max_length` in prm_format.json when set, else
    config.json's max_position_embeddings (the model's own context: a smaller tokenizer
    `model_max_length` is advice, not a limit, and would refuse items the model can score)."""
    config = read_json(directory / "config.json")
    for value in (spec.max_length, config.get("max_position_embeddings"),
                  config.get("max_seq_len"), config.get("seq_length")):
        if isinstance(value, int) and value > 0:
            return value
    # no context in config.json: the tokenizer's, unless it is the 1e30 "unset" value
    tok_max = read_json(directory / "tokenizer_config.json").get("model_max_length")
    if isinstance(tok_max, int | float) and 0 < tok_max < 10**7:
        return int(tok_max)
    raise PrmFormatError(f"{directory}: config.json gives no max_position_embeddings")


def architecture(config: dict) -> str:
    archs = config.get("architectures") or [""]
    return str(archs[0])
