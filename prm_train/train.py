"""Train the bundled PRM from scratch on synthetic data (seeded, CPU, fp32; --bf16 optional).

    OMP_NUM_THREADS=2 .venv/bin/python -m prm_train.train --out prm/weights --steps 1800 \
        --hidden 192 --layers 3 --heads 4 --word-dropout 0.2 --first-error-weight 2 --seed 0
    .venv/bin/python -m prm_train.data --split dev --n 600 --seed 41 -o /tmp/prm_dev.jsonl
    .venv/bin/python -m prm_train.calibrate /tmp/prm_dev.jsonl --prm prm/weights

Losses (PRM-NOTES.md): per-step two-class cross-entropy at each step tag, steps after the first
error masked out and the first wrong step weighted `--first-error-weight`; plus an auxiliary
next-token loss on the text before the first error (it is what gets learning going).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from transformers import PreTrainedTokenizerFast, Qwen2Config

from prm import arith, formats, tokenizer
from prm.formats.bundled import write_checkpoint
from prm.model import QwenPrm, pad_right
from prm_train import data


def bundled_spec(features: tuple[str, ...], max_length: int) -> formats.FormatSpec:
    """The bundled checkpoint's input format: no system turn, exact-check markers `features`
    before each step tag, items up to `max_length` tokens."""
    return formats.FormatSpec(kind="qwen_prm", system_prompt="", step_features=True,
                              features=features, max_length=max_length)


@dataclass(frozen=True)
class Example:
    ids: list[int]
    tags: list[int]
    labels: list[int]  # per step: 1 right, 0 first wrong step, -1 masked (after the error)
    lm_end: int  # next-token loss on positions < lm_end


def make_example(spec, tok, rec: dict) -> Example:
    enc = formats.encode(spec, tok, rec["problem"], rec["steps"])
    label = rec["label"]
    n = len(enc.tag_positions)
    labels = [1] * n if label < 0 else [1] * label + [0] + [-1] * (n - label - 1)
    lm_end = len(enc.ids) if label < 0 else (enc.tag_positions[label - 1] + 1 if label else
                                             enc.prompt_len)
    return Example(enc.ids, enc.tag_positions, labels, lm_end)


def collate(batch: list[Example], pad_id: int) -> dict[str, torch.Tensor]:
    ids, mask = pad_right([e.ids for e in batch], pad_id)  # (B, T) each
    B, T = ids.shape
    step_lab = torch.full((B, T), -1, dtype=torch.long)  # (B, T) label at tag positions
    lm_ok = torch.zeros((B, T), dtype=torch.bool)  # (B, T) target at t+1 is trained
    for i, e in enumerate(batch):
        for p, lab in zip(e.tags, e.labels, strict=True):
            step_lab[i, p] = lab
        lm_ok[i, : max(0, e.lm_end - 1)] = True
    return {"ids": ids, "mask": mask, "step_lab": step_lab, "lm_ok": lm_ok}


def word_dropout(ids: torch.Tensor, droppable: torch.Tensor, p: float, unk: int) -> torch.Tensor:
    """(B, T) ids with a fraction `p` of word tokens replaced by <unk>: text written by others
    is full of words we never saw, and the model must lean on numbers and operators then."""
    drop = droppable[ids] & (torch.rand(ids.shape) < p)
    return torch.where(drop, torch.full_like(ids, unk), ids)


def batches(examples: list[Example], batch_size: int, rng: random.Random):
    """Endless length-bucketed batches: shuffle, sort chunks of 50 batches by length."""
    while True:
        order = examples[:]
        rng.shuffle(order)
        chunk = batch_size * 50
        out = []
        for s in range(0, len(order), chunk):
            part = sorted(order[s : s + chunk], key=lambda e: len(e.ids))
            out += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
        rng.shuffle(out)
        yield from out


def loss_fn(model: QwenPrm, b: dict, first_w: float, lm_w: float, special_ids: torch.Tensor):
    hidden = model.hidden(b["inputs"], b["mask"])  # (B, T, H); targets stay b["ids"]
    logits = model.score(hidden).float()  # (B, T, 2)
    lab = b["step_lab"]
    sel = lab >= 0
    w = torch.where(lab[sel] == 0, first_w, 1.0)
    step_loss = (F.cross_entropy(logits[sel], lab[sel], reduction="none") * w).sum() / w.sum()
    tgt = b["ids"][:, 1:]
    ok = b["lm_ok"][:, :-1] & ~torch.isin(tgt, special_ids)
    # project only the trained positions: with a BPE vocabulary the (B, T, V) logits of every
    # position (padding, text after the error) cost more than the rest of the model
    lm_logits = model.lm_logits(hidden[:, :-1][ok]).float()  # (N, V)
    lm_loss = F.cross_entropy(lm_logits, tgt[ok])
    return step_loss + lm_w * lm_loss, step_loss.detach(), lm_loss.detach()


def save_checkpoint(model: QwenPrm, tok_dir: Path, out: Path, card_extra: dict,
                    spec: formats.FormatSpec) -> None:
    state = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()
             if k.startswith(("model.", "score.")) and "rotary" not in k}
    write_checkpoint(out, state, model.config.to_dict(), spec, tok_dir)
    (out / "training.json").write_text(json.dumps(card_extra, indent=2) + "\n")


def build_model(vocab_size: int, args) -> QwenPrm:
    cfg = Qwen2Config(vocab_size=vocab_size, hidden_size=args.hidden, num_hidden_layers=args.layers,
                      num_attention_heads=args.heads, num_key_value_heads=args.heads,
                      intermediate_size=args.hidden * 3,
                      max_position_embeddings=args.context,
                      tie_word_embeddings=True, rope_theta=10000.0, pad_token_id=0,
                      attn_implementation="sdpa")
    return QwenPrm(cfg)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="prm/weights")
    ap.add_argument("--train-n", type=int, default=60000)
    ap.add_argument("--story-share", type=float, default=0.6,
                    help="share of training problems from randomly composed shapes (prm/stories*)")
    ap.add_argument("--steps", type=int, default=1800)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--first-error-weight", type=float, default=3.0)
    ap.add_argument("--lm-weight", type=float, default=0.5)
    ap.add_argument("--max-len", type=int, default=384)
    ap.add_argument("--word-dropout", type=float, default=0.15)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tokenizer", default=None,
                    help="reuse this checkpoint directory's vocabulary (ensemble members must "
                    "share one) instead of building it from the training data")
    ap.add_argument("--data", default=None,
                    help="train on this JSONL of {problem, steps, label} records (e.g. "
                    "prm_train.real_data's output) instead of the synthetic generator; with "
                    "--tokenizer a prm_train.bpe directory for real text")
    ap.add_argument("--features", default=",".join(arith.FEATURES),
                    help="comma-separated exact-check markers the model reads (prm/arith.py "
                    "ALL_FEATURES), e.g. eq_bad_strict for real LaTeX text")
    ap.add_argument("--context", type=int, default=1024,
                    help="the longest item the checkpoint scores (tokens); --max-len is the "
                    "longest trained on")
    ap.add_argument("--save-every", type=int, default=300)
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast (slower on CPUs without "
                    "native bf16; fp32 measured 10x faster on this machine)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    t0 = time.time()
    if args.data:  # step-labelled records from a file (prm_train.real_data), seeded sample
        with open(args.data, encoding="utf-8") as fh:
            recs = [json.loads(line) for line in fh]
        rng.shuffle(recs)
        recs = recs[: args.train_n]
    else:
        recs = list(data.generate("train", args.train_n, seed=1000 + args.seed,
                                  story_share=args.story_share))
    # the chat-template words are part of every input, so they must be in the vocabulary
    texts = itertools.chain(["system user assistant"] * 10,
                            (t for r in recs for t in [r["problem"], *r["steps"]]))
    out = Path(args.out)
    if args.tokenizer:  # an ensemble's members must share one vocabulary: copy it as it is
        out.mkdir(parents=True, exist_ok=True)
        for name in tokenizer.FILES:
            shutil.copyfile(Path(args.tokenizer) / name, out / name)
    else:
        tokenizer.save_tokenizer(tokenizer.make_tokenizer(tokenizer.build_vocab(texts)), out)
    tok = PreTrainedTokenizerFast.from_pretrained(str(out))
    tok.model_max_length = formats.NO_TOKENIZER_LIMIT  # --max-len decides; no warning per item
    features = tuple(f for f in args.features.split(",") if f)
    unknown = set(features) - set(arith.ALL_FEATURES)
    if unknown:
        raise SystemExit(f"unknown --features {sorted(unknown)}; known: {arith.ALL_FEATURES}")
    spec = bundled_spec(features, args.context)
    examples = [make_example(spec, tok, r) for r in recs]
    examples = [e for e in examples if len(e.ids) <= args.max_len]
    special = torch.tensor(tok.convert_tokens_to_ids(list(tokenizer.SPECIALS)))
    # words (not digits, operators, LaTeX commands or specials) may be dropped to <unk>
    droppable = torch.tensor([t.isalpha() for t in tok.convert_ids_to_tokens(range(len(tok)))])
    print(f"data {len(examples)} examples, vocab {len(tok)}, "
          f"mean len {sum(len(e.ids) for e in examples) / len(examples):.0f}, "
          f"{time.time() - t0:.0f}s", flush=True)
    model = build_model(len(tok), args).train()
    nparams = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    warm = max(1, int(0.04 * args.steps))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (
        1 + math.cos(math.pi * min(1.0, s / args.steps))))
    card = {"command": "python -m prm_train.train " + " ".join(argv if argv is not None else
                                                           sys.argv[1:]),
            "params": nparams, "train_examples": len(examples), "vocab": len(tok),
            "args": vars(args)}
    it = batches(examples, args.batch_size, rng)
    seen, t_start = 0, time.time()
    for step in range(1, args.steps + 1):
        b = collate(next(it), tok.pad_token_id)
        b["inputs"] = word_dropout(b["ids"], droppable, args.word_dropout, tok.unk_token_id)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            loss, sl, ll = loss_fn(model, b, args.first_error_weight, args.lm_weight, special)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        seen += b["ids"].shape[0]
        if step % 25 == 0:
            el = time.time() - t_start
            print(f"step {step} step_loss {sl:.4f} lm_loss {ll:.4f} seen {seen} "
                  f"{seen / el:.1f} sol/s elapsed {el / 60:.1f} min", flush=True)
        if step % args.save_every == 0 or step == args.steps:
            card.update(steps_done=step, solutions_seen=seen,
                        train_minutes=round((time.time() - t_start) / 60, 1))
            save_checkpoint(model, out, out, card, spec)
    print(f"done in {(time.time() - t0) / 60:.1f} min", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
