"""prm_train.bpe: a byte-level BPE that round-trips any text, never yields <unk>, reads numbers
digit by digit and keeps a frequent LaTeX command whole. Trained here on a few hand-written
lines (no third-party text)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import PreTrainedTokenizerFast

from prm import tokenizer as word_tokenizer
from prm_train import bpe

CORPUS = [
    r"The sum is $\frac{3}{4} + \frac{1}{4} = 1$, so each share is 250 dollars.",
    r"Since $\cos \theta = \frac{1}{2}$, the angle $\angle ABC$ is $60^\circ$.",
    r"We have $\log_2 8 = 3$ and $9 \equiv 1 \pmod 8$, hence $x \le 17$.",
    "Tom buys 12 apples and eats 5, so 12 - 5 = 7 apples are left.",
] * 20


@pytest.fixture(scope="module")
def tok(tmp_path_factory) -> PreTrainedTokenizerFast:
    d = tmp_path_factory.mktemp("bpe")
    bpe.save(bpe.train_bpe(CORPUS, vocab_size=500), d)
    return PreTrainedTokenizerFast.from_pretrained(str(d))


def _ids(tok: PreTrainedTokenizerFast, text: str) -> list[int]:
    return tok(text, add_special_tokens=False)["input_ids"]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_any_unicode_text_round_trips_without_unknown_tokens(tok, text):
    ids = _ids(tok, text)
    assert tok.unk_token_id not in ids
    assert tok.decode(ids) == text


@pytest.mark.parametrize("text", [
    r"Let $\mathbb{Z}_{12}$ act on \{1, 2\}; then $\sum_{k=1}^{n} k^2 \geq 0$ ∀ n ∈ ℕ.",
    "Ünïcödé, 中文, emoji 😀 and tabs\tand\nnewlines  double spaces.",
    r"\frac{12345}{678} \cdot 0.25 = 45.5%",
])
def test_latex_and_unicode_round_trip(tok, text):
    ids = _ids(tok, text)
    assert tok.unk_token_id not in ids
    assert tok.decode(ids) == text


def test_every_digit_is_its_own_token(tok):
    pieces = tok.convert_ids_to_tokens(_ids(tok, "Tom pays 12345 dollars, 250 + 7.75 = 257.75"))
    digit_pieces = [p for p in pieces if re.search(r"\d", p)]
    assert digit_pieces and all(len(re.findall(r"\d", p)) == 1 for p in digit_pieces)
    # '250' occurs 20 times in the corpus: BPE would have merged it without the digit split;
    # 12345, 250, 7.75, 257.75 have 16 digits, each its own token
    assert len(digit_pieces) == 5 + 3 + 3 + 5


def test_frequent_latex_command_is_one_token(tok):
    for cmd in (r"\frac", r"\cos"):
        pieces = tok.convert_ids_to_tokens(_ids(tok, f"x = {cmd}"))
        assert pieces[-1] == cmd


def test_special_tokens_are_single_ids_shared_with_the_word_level_tokenizer(tok):
    for name in word_tokenizer.SPECIALS:
        assert len(_ids(tok, name)) == 1, name
    assert tok.pad_token == word_tokenizer.PAD and tok.model_max_length == bpe.MODEL_MAX_LENGTH


def test_cli_trains_from_text_files(tmp_path):
    src = tmp_path / "corpus.txt"
    src.write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    assert bpe.main([str(src), "-o", str(tmp_path / "out"), "--vocab-size", "400"]) == 0
    loaded = PreTrainedTokenizerFast.from_pretrained(str(tmp_path / "out"))
    assert loaded.decode(_ids(loaded, CORPUS[0])) == CORPUS[0]
