"""Finding the model's response in what a trainer hands over, and cleaning its end.

OpenRLHF gives a reward function (and the HTTP gateway) the *query*: prompt token ids + response
token ids decoded together with `skip_special_tokens=False`. So the text to grade must be cut out
of the query, and the end-of-turn token the model generated is still on it:

    "<|im_start|>user\\nWhat is 6*2?<|im_end|>\\n<|im_start|>assistant\\n"
    "The answer is \\\\boxed{12}<|im_end|>"

Two things go wrong with a naive `query[len(prompt):]`:
- The decoded prompt is not always the prompt verbatim: OpenRLHF truncates long prompts from the
  left (token ids `[-max_prompt_length:]`), and a tokenizer round trip can normalise Unicode
  (NFKC: full-width digits, ligatures). Grading the whole query then grades the prompt, and a
  `\\boxed{}` worked example in the prompt pays a non-answer.
- `12<|im_end|>` is not `12`.

`locate_response` therefore fails closed: it returns the response only where it can prove where
the prompt ends (exact prefix; the last assistant-turn marker of a known chat template; the
prompt's longest suffix found in the query, long enough to be unambiguous; the same on NFKC text),
and otherwise `None` with a reason — the caller pays 0 and counts it, never grading prompt text.
Whatever it returns is a suffix of the query that starts at or after the prompt's end.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

ENV_END_TOKENS = "MATHREWARD_END_TOKENS"  # comma-separated extra tokens to strip from the end

# Special tokens that end a turn or a sequence in common chat templates. Stripped (repeatedly,
# with the whitespace around them) from the END of a response only: inside a response they are
# text the model wrote and are graded as such.
DEFAULT_END_TOKENS: tuple[str, ...] = (
    "<|im_end|>",  # ChatML: Qwen 1.5-3, Yi, many fine-tunes
    "<|endoftext|>",  # GPT-2 / Qwen base EOS and pad
    "<|eot_id|>",  # Llama 3 end of turn
    "<|eom_id|>",  # Llama 3.1 end of message (tool calls)
    "<|end_of_text|>",  # Llama 3 EOS
    "</s>",  # Llama 2, Mistral, Mixtral EOS
    "<|end|>",  # Phi-3 end of turn
    "<end_of_turn>",  # Gemma end of turn
    "<eos>",  # Gemma EOS
    "<\uff5cend\u2581of\u2581sentence\uff5c>",  # DeepSeek-R1 / V3 EOS
    "<|return|>",  # gpt-oss end of response
    "<pad>", "<|pad|>",  # padding decoded with the sequence
)

# The text a chat template puts right before the assistant's answer (its generation prompt).
ASSISTANT_MARKERS: tuple[str, ...] = (
    "<|im_start|>assistant\n",  # ChatML (Qwen)
    "<|start_header_id|>assistant<|end_header_id|>\n\n",  # Llama 3
    "[/INST]",  # Llama 2 / Mistral
    "<|assistant|>\n",  # Phi-3, Zephyr
    "<start_of_turn>model\n",  # Gemma
    "<\uff5cAssistant\uff5c>",  # DeepSeek-R1 / V3
)

# A suffix of the prompt shorter than this is too common to mark where the prompt ends
# (e.g. "A:" also appears inside responses); shorter prompts must then be found whole.
MIN_SUFFIX_CHARS = 16


@dataclass(frozen=True)
class Located:
    """Where the response is: `response` is None when it could not be located (`how` says why)."""

    response: str | None
    how: str  # "prefix" | "marker" | "suffix" | "nfkc-prefix" | ... | "unlocated: <why>"


def end_tokens(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The default end tokens plus any listed in MATHREWARD_END_TOKENS (comma-separated)."""
    env = os.environ if environ is None else environ
    extra = tuple(t for t in (env.get(ENV_END_TOKENS) or "").split(",") if t.strip())
    return DEFAULT_END_TOKENS + tuple(t.strip() for t in extra)


def strip_end_tokens(text: str, tokens: Sequence[str] = DEFAULT_END_TOKENS) -> str:
    """`text` without trailing end-of-turn / end-of-sequence tokens and trailing whitespace."""
    out = text.rstrip()
    changed = True
    while changed and out:
        changed = False
        for token in tokens:
            if token and out.endswith(token):
                out = out[: -len(token)].rstrip()
                changed = True
    return out


def _after_prefix(query: str, prompt: str) -> str | None:
    return query[len(prompt):] if query.startswith(prompt) else None


def _after_marker(query: str, prompt: str, markers: Sequence[str]) -> str | None:
    """After the query's last assistant marker, when the prompt ends with that marker (+ tail)."""
    best: tuple[int, str] | None = None  # (position in the prompt, marker)
    for marker in markers:
        at = prompt.rfind(marker)
        if at >= 0 and (best is None or at > best[0]):
            best = (at, marker)
    if best is None:
        return None
    at, marker = best
    tail = prompt[at + len(marker):]  # what the template adds after the marker ("<think>\n")
    if len(tail) > 64:
        return None  # the marker is not the prompt's generation prompt: not a safe anchor
    found = query.rfind(marker)
    if found < 0:
        return None
    after = query[found + len(marker):]
    return after[len(tail):] if after.startswith(tail) else None


def _after_longest_suffix(query: str, prompt: str) -> str | None:
    """After the last occurrence of the prompt's longest suffix found in the query.

    `prompt[-n:] in query` is monotone in n, so the longest n is found by bisection. The prompt's
    end (the template's generation prompt) survives truncation and normalisation, so the last
    occurrence of that suffix is at or after the prompt's end in the query.
    """
    lo, hi = 0, len(prompt)  # invariant: prompt[-lo:] is in the query (lo = 0: empty suffix)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if prompt[-mid:] in query:
            lo = mid
        else:
            hi = mid - 1
    if lo < min(len(prompt), MIN_SUFFIX_CHARS):
        return None
    return query[query.rfind(prompt[-lo:]) + lo:]


def locate_response(query: str, prompt: str,
                    markers: Sequence[str] = ASSISTANT_MARKERS) -> Located:
    """The response part of an OpenRLHF query (prompt + response decoded together)."""
    if not prompt:  # nothing to strip; but a chat-formatted query still shows where it answers
        found = max(((query.rfind(m), m) for m in markers), default=(-1, ""))
        if found[0] >= 0:
            return Located(query[found[0] + len(found[1]):], "no-prompt-marker")
        return Located(query, "no-prompt")
    for form in ("", "nfkc-"):
        if form:  # a tokenizer round trip may have normalised the decoded prompt
            query, prompt = (unicodedata.normalize("NFKC", query),
                             unicodedata.normalize("NFKC", prompt))
        for how, find in (("prefix", _after_prefix), ("marker", None),
                          ("suffix", _after_longest_suffix)):
            response = (_after_marker(query, prompt, markers) if find is None
                        else find(query, prompt))
            if response is not None:
                return Located(response, form + how)
    return Located(None, "unlocated: the prompt's end was not found in the query (prompt "
                         "truncated or re-encoded beyond recognition); reward 0, not graded")
