"""Locating the response in OpenRLHF's decoded query, and stripping end-of-turn tokens.

Run: PYTHONPATH=$PWD .venv/bin/pytest tests/trainers/test_response_locate.py -q
Pure functions (mathreward/adapters/_response.py); the same cases through OpenRLHF's own
`execute()` and a real tokenizer are in test_openrlhf_real.py.
"""

from __future__ import annotations

import unicodedata

import pytest

from mathreward.adapters._response import (
    DEFAULT_END_TOKENS,
    end_tokens,
    locate_response,
    strip_end_tokens,
)

QWEN = ("<|im_start|>system\nPut the final answer in a box like \\boxed{7}.<|im_end|>\n"
        "<|im_start|>user\nWhat is 6*2?<|im_end|>\n<|im_start|>assistant\n")
LLAMA3 = ("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: "
          "December 2023\nToday Date: 26 Jul 2024\n\nPut the final answer in a box like "
          "\\boxed{7}.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 6*2?"
          "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
MISTRAL = "<s>[INST] Put the final answer in a box like \\boxed{7}.\n\nWhat is 6*2?[/INST]"


@pytest.mark.parametrize("token", DEFAULT_END_TOKENS)
def test_each_end_token_is_stripped(token):
    assert strip_end_tokens(f"The answer is 12{token}") == "The answer is 12"
    assert strip_end_tokens(f"x{token}\n{token}  ") == "x"  # repeated, with whitespace
    assert strip_end_tokens(token) == ""  # an empty response stays empty
    assert strip_end_tokens(f"a {token} b") == f"a {token} b"  # only at the end


def test_extra_end_tokens_from_the_environment():
    tokens = end_tokens({"MATHREWARD_END_TOKENS": "<|my_end|>, <stop>"})
    assert strip_end_tokens("12<stop><|my_end|>", tokens) == "12"
    assert end_tokens({}) == DEFAULT_END_TOKENS


@pytest.mark.parametrize("prompt", [QWEN, LLAMA3, MISTRAL], ids=["qwen", "llama3", "mistral"])
def test_exact_prompt_prefix(prompt):
    located = locate_response(prompt + "I am not sure.", prompt)
    assert (located.response, located.how) == ("I am not sure.", "prefix")


@pytest.mark.parametrize("prompt", [QWEN, LLAMA3, MISTRAL], ids=["qwen", "llama3", "mistral"])
@pytest.mark.parametrize("keep", [0.95, 0.5, 0.2])
def test_left_truncated_prompt_is_found_by_the_assistant_marker(prompt, keep):
    """OpenRLHF keeps the last max_prompt_length tokens: the \\boxed{7} example may be cut too."""
    cut = len(prompt) - int(len(prompt) * keep)
    located = locate_response(prompt[cut:] + "I am not sure.", prompt)
    assert located.response == "I am not sure."
    assert located.how in {"marker", "suffix"}


def test_response_with_its_own_marker_text_is_still_only_response_text():
    query = QWEN[10:] + "12<|im_end|>\n<|im_start|>assistant\nno, \\boxed{13}"
    assert locate_response(query, QWEN).response == "no, \\boxed{13}"


def test_generation_prompt_with_a_tail_after_the_marker():
    prompt = QWEN + "<think>\n"  # DeepSeek-R1-style templates open the think block
    assert locate_response(prompt[20:] + "so \\boxed{12}", prompt).response == "so \\boxed{12}"


def test_plain_prompt_truncated_is_found_by_its_longest_suffix():
    prompt = "Example: 3+4 gives \\boxed{7}.\nQuestion: what is six times two?\nAnswer:"
    located = locate_response(prompt[25:] + " 12", prompt)
    assert (located.response, located.how) == (" 12", "suffix")


def test_unicode_normalised_round_trip():
    prompt = "Example: \\boxed{7}. Question: what is ６×２ (full width)? ﬁnal answer:"
    query = unicodedata.normalize("NFKC", prompt) + " 12"
    located = locate_response(query, prompt)
    assert located.response == " 12" and located.how.startswith(("nfkc-", "suffix"))


@pytest.mark.parametrize(("query", "prompt"), [
    ("The answer is \\boxed{7}", "Put the answer in \\boxed{7}. Q: 6*2? A:"),  # nothing shared
    ("Q: 6*2? A: \\boxed{7}", "Put the answer in \\boxed{7}. Q: 6*2?!"),  # only 10 chars shared
])
def test_unlocatable_response_fails_closed(query, prompt):
    located = locate_response(query, prompt)
    assert located.response is None and located.how.startswith("unlocated:")


def test_no_prompt_means_the_query_is_the_response():
    assert locate_response("\\boxed{1}", "").response == "\\boxed{1}"
    # ... except that a chat-formatted query still shows where the assistant's turn starts
    assert locate_response(QWEN + "I am not sure.", "").response == "I am not sure."
