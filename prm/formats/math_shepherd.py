"""Math-Shepherd (`peiyi9979/math-shepherd-mistral-7b-prm`), as its model card scores it.

Layout: `MistralForCausalLM` weights (sharded, with an index), and only a SentencePiece
`tokenizer.model` (+ tokenizer_config.json / special_tokens_map.json): no tokenizer.json. It is
loaded with transformers' Llama tokenizer converted from the SentencePiece model (what
`AutoTokenizer` gives upstream), which adds the `<s>` BOS.

Input, exactly the card's string: f"{problem} {output}" with output
"Step 1: <step> ки\\nStep 2: <step> ки..." (steps joined by "\\n"), encoded as ONE string with
the BOS. Score: at each `ки` (id = encode("ки")[-1]) we inserted, softmax over the logits of the
candidate tokens encode("+ -")[1:], index of "+".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch

from prm.formats.base import (
    Codec,
    Encoded,
    FormatSpec,
    PrmFormatError,
    StepScorer,
    architecture,
    last_id,
    tag_token_positions,
)
from prm.formats.qwen_math_prm import fast_tokenizer
from prm.formats.rlhflow import is_llama3_chat
from prm.formats.token_pair import load_causal_lm

KIND = "math_shepherd"
STEP_TAG = "ки"


class MathShepherd:
    name = KIND

    def detect(self, directory: Path, config: dict, tok_config: dict) -> FormatSpec | None:
        if not architecture(config).endswith("ForCausalLM") or is_llama3_chat(directory):
            return None
        tok_json = directory / "tokenizer.json"
        if tok_json.is_file():  # the tag as written, or JSON-escaped
            text = tok_json.read_text(encoding="utf-8")
            has_tag = STEP_TAG in text or json.dumps(STEP_TAG) in text
        else:
            has_tag = (directory / "tokenizer.model").is_file()
        if not has_tag:
            return None
        return FormatSpec(kind=KIND, step_tag=STEP_TAG, system_prompt=None)

    def load_tokenizer(self, directory: Path, spec: FormatSpec):
        return fast_tokenizer(directory)

    def guard_extra(self, spec: FormatSpec) -> tuple[str, ...]:
        return (spec.step_tag,)

    def candidates(self, codec: Codec) -> tuple[int, int]:
        spec, tok = codec.spec, codec.tokenizer
        ids = list(tok(f"{spec.good_token} {spec.bad_token}")["input_ids"])
        if ids and tok.bos_token_id is not None and ids[0] == tok.bos_token_id:
            ids = ids[1:]  # upstream's [1:]: the BOS the SentencePiece tokenizer adds
        if len(ids) != 2:
            raise PrmFormatError(f"'{spec.good_token} {spec.bad_token}' is not two tokens "
                                 f"(after any BOS): {ids}")
        return int(ids[0]), int(ids[1])

    def encode(self, codec: Codec, problem: str, steps: Sequence[str],
               limit: int | None = None) -> Encoded:
        spec, tok = codec.spec, codec.tokenizer
        prefix = codec.guard.clean(problem) + " "
        parts, spans, pos = [prefix], [], len(prefix)
        for k, step in enumerate(steps):
            head = ("\n" if k else "") + f"Step {k + 1}: {codec.guard.clean(step)} "
            spans.append((pos + len(head), pos + len(head) + len(spec.step_tag)))
            parts += [head, spec.step_tag]
            pos += len(head) + len(spec.step_tag)
        text = "".join(parts)
        tag = last_id(tok, spec.step_tag, add_special_tokens=True)
        ids, positions = tag_token_positions(tok, text, spans, tag, add_special_tokens=True)
        prompt_len = len(tok(prefix.rstrip(" "))["input_ids"])
        return Encoded(ids, positions, prompt_len)

    def load_model(self, directory: Path, codec: Codec, dtype: torch.dtype) -> StepScorer:
        good, bad = self.candidates(codec)
        return load_causal_lm(directory, dtype, good, bad)


FAMILY = MathShepherd()
