"""Numbers for choosing the next PRM's data, context and features (docs/prm-training-data.md).

    python -m prm_train.data_report --data real.jsonl --bpe BPE_DIR --processbench PB_DIR \
        [--old-tokenizer prm/weights]

ProcessBench (`--processbench`: its gsm8k/math/olympiadbench/omnimath .json files) is only
*measured* here (tokenizer coverage, token lengths, how often the exact-arithmetic flags fire on
steps that are correct); nothing is trained, calibrated or chosen on it.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from transformers import PreTrainedTokenizerFast

from prm import arith
from prm import tokenizer as word_tokenizer

SUBSETS = ("gsm8k", "math", "olympiadbench", "omnimath")
_GATED = ("num_new", "unexplained")


def pct(values: list[int], q: float) -> int:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else 0


def solution_text(problem: str, steps: list[str]) -> str:
    """What a model reads: the problem, then the steps each closed by the step tag."""
    return problem + "\n" + "".join(f"{s}{word_tokenizer.STEP_TAG}" for s in steps)


def kind_table(recs: list[dict]) -> list[str]:
    counts = Counter((r["source"], r["kind"]) for r in recs)
    kept = Counter((r["source"], r["kind"]) for r in recs
                   if 0 <= r["label"] < len(r["steps"]) - 1)  # later steps kept (propagated)
    rows = ["| source | kind | records | later steps kept |", "|---|---|---:|---:|"]
    for (src, kind), n in sorted(counts.items()):
        rows.append(f"| {src} | {kind} | {n} | {kept[(src, kind)] if kind != 'correct' else '-'} |")
    return rows


def length_rows(name: str, lengths: list[int]) -> str:
    over = {c: sum(v > c for v in lengths) / len(lengths) for c in (1024, 2048, 4096)}
    return (f"| {name} | {len(lengths)} | {pct(lengths, 0.5)} | {pct(lengths, 0.95)} | "
            f"{max(lengths)} | {over[1024]:.1%} | {over[2048]:.1%} | {over[4096]:.2%} |")


def token_lengths(tok: PreTrainedTokenizerFast,
                  items: Iterable[tuple[str, list[str]]]) -> list[int]:
    return [len(tok(solution_text(p, s), add_special_tokens=False)["input_ids"]) for p, s in items]


def unk_share(tok: PreTrainedTokenizerFast, texts: list[str]) -> float:
    ids = [i for t in texts for i in tok(t, add_special_tokens=False)["input_ids"]]
    return sum(i == tok.unk_token_id for i in ids) / max(1, len(ids))


def feature_rows(items: list[dict]) -> list[str]:
    """Per exact-check feature: how often it fires on correct steps (before the first error, or
    every step of a correct item) and on first-wrong steps, and P(step wrong | it fires)."""
    fire_ok: Counter[str] = Counter()
    fire_bad: Counter[str] = Counter()
    n_ok = n_bad = 0
    for it in items:
        feats = arith.step_features(it["problem"], it["steps"])
        strict = arith.strict_features(it["problem"], it["steps"])
        label = it["label"]
        last = len(feats) if label < 0 else label + 1
        for i, f in enumerate(feats[:last]):
            wrong = i == label
            n_bad, n_ok = n_bad + wrong, n_ok + (not wrong)
            plain = arith.plain_arithmetic(it["steps"][i])
            fired = {name: getattr(f, name) for name in arith.FEATURES}
            fired.update(zip(arith.STRICT_FEATURES, strict[i], strict=True))
            # measured only: would the same plain-step gate make these two precise?
            fired.update({name + " & plain": getattr(f, name) and plain for name in _GATED})
            for name, on in fired.items():
                if on:
                    (fire_bad if wrong else fire_ok)[name] += 1
    rows = [f"| feature | fires on correct steps (of {n_ok}) | fires on first-wrong steps "
            f"(of {n_bad}) | P(wrong \\| fires) |", "|---|---:|---:|---:|"]
    for name in (*arith.FEATURES, *arith.STRICT_FEATURES, *(g + " & plain" for g in _GATED)):
        a, b = fire_ok[name], fire_bad[name]
        prec = f"{b / (a + b):.2f}" if a + b else "-"
        rows.append(f"| {name} | {a} ({a / max(1, n_ok):.1%}) | {b} ({b / max(1, n_bad):.1%}) "
                    f"| {prec} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="prm_train.real_data output")
    ap.add_argument("--bpe", required=True, help="prm_train.bpe output directory")
    ap.add_argument("--processbench", required=True, help="directory of ProcessBench .json")
    ap.add_argument("--old-tokenizer", default="prm/weights")
    ap.add_argument("--train-sample", type=int, default=3000, help="records per source")
    args = ap.parse_args(argv)
    recs = [json.loads(x) for x in Path(args.data).open(encoding="utf-8")]
    bpe = PreTrainedTokenizerFast.from_pretrained(args.bpe)
    old = PreTrainedTokenizerFast.from_pretrained(args.old_tokenizer)
    pb = {s: json.loads((Path(args.processbench) / f"{s}.json").read_text()) for s in SUBSETS}
    out = ["## Records per error kind", "", *kind_table(recs), ""]
    out += ["## Steps per correct solution", "", "| source | solutions | mean | p50 | p95 | max |",
            "|---|---:|---:|---:|---:|---:|"]
    for src in sorted({r["source"] for r in recs}):
        n = [len(r["steps"]) for r in recs if r["source"] == src and r["label"] < 0]
        out.append(f"| {src} | {len(n)} | {statistics.mean(n):.1f} | {pct(n, 0.5)} | "
                   f"{pct(n, 0.95)} | {max(n)} |")
    out += ["", "## Tokens per full solution (problem + steps + step tags), new BPE", "",
            "| set | items | p50 | p95 | max | > 1,024 | > 2,048 | > 4,096 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for src in sorted({r["source"] for r in recs}):
        out.append(length_rows(f"train {src} (all records)", token_lengths(
            bpe, ((r["problem"], r["steps"]) for r in recs if r["source"] == src))))
    for s in SUBSETS:
        out.append(length_rows(f"ProcessBench {s}", token_lengths(
            bpe, ((it["problem"], it["steps"]) for it in pb[s]))))
    out.append(length_rows("ProcessBench all, OLD word-level", token_lengths(
        old, ((it["problem"], it["steps"]) for s in SUBSETS for it in pb[s]))))
    out += ["", "## Unknown-token share on ProcessBench steps", "",
            "| subset | old word-level (prm/weights) | new BPE |", "|---|---:|---:|"]
    for s in SUBSETS:
        steps = [st for it in pb[s] for st in it["steps"]]
        out.append(f"| {s} | {unk_share(old, steps):.1%} | {unk_share(bpe, steps):.1%} |")
    # out-of-sample check of the strict gate (it was written from ProcessBench's misreadings):
    # the human-written train solutions are correct, and their injected first errors are known
    out += ["", "## Exact-arithmetic flags on the training records (a seeded sample)", ""]
    rng = random.Random(0)
    for src in sorted({r["source"] for r in recs}):
        mine = [r for r in recs if r["source"] == src]
        out += [f"### train {src}", "", *feature_rows(rng.sample(mine, min(len(mine),
                                                                          args.train_sample))), ""]
    out += ["", "## Exact-arithmetic flags (prm/arith.py step_features) on ProcessBench", ""]
    for s in SUBSETS:
        out += [f"### {s}", "", *feature_rows(pb[s]), ""]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
