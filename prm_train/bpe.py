"""A byte-level BPE tokenizer for the next PRM: no unknown tokens, one digit per token, frequent
LaTeX commands whole (issue 17: the word-level vocabulary lost 27-42% of real steps' words).

    python -m prm_train.bpe TEXT_OR_JSONL... -o DIR --vocab-size 8000

Saved as `tokenizer.json` + `tokenizer_config.json` (the same two files `prm/tokenizer.py` writes,
with the same special tokens), so `transformers.PreTrainedTokenizerFast` loads it. Training-only:
the served model keeps its word-level tokenizer until a model trained with this one replaces it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

from prm import tokenizer as word_tokenizer

SPECIALS = word_tokenizer.SPECIALS  # same ids-by-name as the bundled model (pad, unk, step tag...)
FILES = word_tokenizer.FILES
# Pieces BPE may not merge across (an Oniguruma regex, run before the byte mapping):
# - a LaTeX command, without the space before it (`$\cos` and ` \cos` must give one and the
#   same token): kept apart from what follows, so a frequent command becomes one token once BPE
#   has merged its letters;
# - a letter run with an optional leading space (GPT-2 style words);
# - ONE digit with an optional leading space: numbers are read digit by digit, so arithmetic
#   never depends on which digit strings happened to be frequent;
# - runs of other symbols (no backslash: it starts a command), then whitespace.
PIECE_PATTERN = (r"\\[a-zA-Z]+| ?\p{L}+| ?\p{N}| ?[^\s\p{L}\p{N}\\]+|\\|\s+(?!\S)|\s+")
MODEL_MAX_LENGTH = 4096  # issue 17: no real solution left unscored under 4,096 tokens


def make_pre_tokenizer() -> pre_tokenizers.PreTokenizer:
    # use_regex=False: our split above replaces GPT-2's, which would cut `\frac` into `\` + `frac`
    return pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(PIECE_PATTERN), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])


def train_bpe(texts: Iterable[str], vocab_size: int = 8000, min_frequency: int = 2) -> Tokenizer:
    """Train on `texts`. The 256 byte symbols are always in the vocabulary (initial_alphabet),
    so any string encodes without an unknown token; no normalizer, so decoding is exact."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = make_pre_tokenizer()
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
        special_tokens=[AddedToken(s, special=True, normalized=False) for s in SPECIALS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def save(tok: Tokenizer, directory: str | Path) -> None:
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    tok.save(str(d / FILES[0]))
    cfg = {"tokenizer_class": "PreTrainedTokenizerFast", "pad_token": word_tokenizer.PAD,
           "unk_token": word_tokenizer.UNK, "eos_token": word_tokenizer.EOS,
           "model_max_length": MODEL_MAX_LENGTH,
           "additional_special_tokens": [word_tokenizer.STEP_TAG, *word_tokenizer.MARKERS]}
    (d / FILES[1]).write_text(json.dumps(cfg, indent=2) + "\n")


def read_texts(paths: Iterable[str | Path]) -> Iterator[str]:
    """Lines of text files; for `.jsonl`, the "problem" and "steps" of each record (what
    `prm_train.real_data` writes)."""
    for p in map(Path, paths):
        with p.open(encoding="utf-8") as fh:
            for line in fh:
                if p.suffix == ".jsonl":
                    rec = json.loads(line)
                    yield rec.get("problem", "")
                    yield from rec.get("steps", [])
                else:
                    yield line


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="text files (one text a line) or .jsonl records")
    ap.add_argument("-o", "--out", required=True, help="directory for the two tokenizer files")
    ap.add_argument("--vocab-size", type=int, default=8000)
    ap.add_argument("--min-frequency", type=int, default=2)
    args = ap.parse_args(argv)
    tok = train_bpe(read_texts(args.files), args.vocab_size, args.min_frequency)
    save(tok, args.out)
    print(f"vocab {tok.get_vocab_size()} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
