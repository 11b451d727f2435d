"""The bundled model's tokenizer: word level, every digit its own token, LaTeX commands whole.

Saved as a `tokenizers` JSON (`tokenizer.json` + `tokenizer_config.json`), loadable by
`transformers.PreTrainedTokenizerFast`. Unknown words become `<unk>`; digits, operators and ASCII
punctuation are always in the vocabulary, so arithmetic is never lost to `<unk>`.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from tokenizers import AddedToken, Regex, Tokenizer, models, normalizers, pre_tokenizers

from prm import arith

FILES = ("tokenizer.json", "tokenizer_config.json")  # what `save_tokenizer` writes
PAD, UNK, EOS = "<pad>", "<unk>", "<|endoftext|>"
STEP_TAG = "<extra_0>"
MARKERS = arith.MARKERS  # exact-check feature markers (prm/arith.py)
SPECIALS = (PAD, UNK, EOS, "<|im_start|>", "<|im_end|>", STEP_TAG, *MARKERS)
# One piece per LaTeX command, word, digit, or other character (after whitespace split).
PIECE_PATTERN = r"\\[a-zA-Z]+|[^\W\d_]+|\d|[^\s]"
_PIECE_RE = re.compile(PIECE_PATTERN)
_ALWAYS = tuple(string.digits + string.punctuation) + tuple("×÷·−≈≤≥√π°€£") + (
    "\\frac", "\\dfrac", "\\times", "\\cdot", "\\div", "\\boxed", "\\left", "\\right", "\\sqrt",
    "\\pi", "\\text", "\\approx", "\\le", "\\ge", "\\neq", "\\circ", "\\quad", "\\mathrm")


def pieces(text: str) -> list[str]:
    """The pre-tokenized pieces of `text` (lower-cased), as the saved tokenizer splits it."""
    return _PIECE_RE.findall(text.lower())


def build_vocab(texts: Iterable[str], min_freq: int = 3, max_size: int = 4000) -> list[str]:
    counts: Counter[str] = Counter()
    for t in texts:
        counts.update(pieces(t))
    vocab = list(SPECIALS) + [p for p in _ALWAYS if p not in SPECIALS]
    seen = set(vocab)
    for piece, n in counts.most_common():
        if n < min_freq or len(vocab) >= max_size:
            break
        if piece not in seen:
            vocab.append(piece)
            seen.add(piece)
    return vocab


def make_tokenizer(vocab: list[str]) -> Tokenizer:
    tok = Tokenizer(models.WordLevel({p: i for i, p in enumerate(vocab)}, unk_token=UNK))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Split(Regex(PIECE_PATTERN), behavior="isolated"),
    ])
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in SPECIALS])
    return tok


def save_tokenizer(tok: Tokenizer, directory: str | Path) -> None:
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    tok.save(str(d / FILES[0]))
    cfg = {"tokenizer_class": "PreTrainedTokenizerFast", "pad_token": PAD, "unk_token": UNK,
           "eos_token": EOS, "model_max_length": 1024,
           "additional_special_tokens": [STEP_TAG, *MARKERS]}
    (d / FILES[1]).write_text(json.dumps(cfg, indent=2) + "\n")
