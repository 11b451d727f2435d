"""Fit the bundled model's score combiner on the dev split (families kept out of training).

    .venv/bin/python -m prm.data --split dev --n 600 --seed 41 -o /tmp/prm_dev.jsonl
    .venv/bin/python -m prm.calibrate /tmp/prm_dev.jsonl --prm prm/weights

On problem families it never saw, the model's step logit is less reliable than on its training
families, while the exact arithmetic flags are exactly as reliable. A five-parameter logistic
combiner P = sigmoid(w0 * logit + w1 * eq_bad + w2 * eq_ok + w3 * num_new + b) is fitted here on
steps of DEV-family solutions (never on the held-back split): first the weights by weighted
logistic loss, then the bias b so that the ProcessBench F1 at 0.5 is best on the dev split. The
result goes to `prm_format.json` ("combiner"); the model itself is unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from pathlib import Path

import torch

from prm.arith import step_features
from prm.evaluate import _score_all, evaluate


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _step_table(records: list[dict], scores: list[list[float]]):
    """Rows (logit, eq_bad, eq_ok, num_new) and labels for steps up to the first error."""
    x, y, w = [], [], []
    for r, s in zip(records, scores, strict=True):
        feats = step_features(r["problem"], r["steps"])
        upto = len(s) if r["label"] < 0 else min(r["label"] + 1, len(s))
        for i in range(upto):
            f = feats[i]
            x.append([_logit(s[i]), float(f.eq_bad), float(f.eq_ok), float(f.num_new)])
            y.append(0.0 if i == r["label"] else 1.0)
            w.append(3.0 if i == r["label"] else 1.0)  # few first-error steps: up-weight
    return torch.tensor(x), torch.tensor(y), torch.tensor(w)


def fit_weights(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> list[float]:
    params = torch.zeros(5, requires_grad=True)
    with torch.no_grad():
        params[0] = 1.0
    opt = torch.optim.LBFGS([params], max_iter=200)

    def closure():
        opt.zero_grad()
        z = x @ params[:4] + params[4]
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none")
                * w).sum() / w.sum() + 1e-3 * (params[:4] ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return [float(v) for v in params.detach()]


def combine(x: torch.Tensor, params: list[float]) -> torch.Tensor:
    return torch.sigmoid(x @ torch.tensor(params[:4]) + params[4])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="dev-split JSONL (families kept out of training)")
    ap.add_argument("--prm", required=True, help="model directory with prm_format.json")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    fmt_file = Path(args.prm) / "prm_format.json"
    fmt = json.loads(fmt_file.read_text())
    fmt.pop("combiner", None)  # fit on the raw model scores
    fmt_file.write_text(json.dumps(fmt, indent=2) + "\n")
    with open(args.input) as f:
        records = [json.loads(line) for line in f if line.strip()]
    labels = [int(r["label"]) for r in records]
    scores = asyncio.run(_score_all(records, args.prm, "cpu"))
    print(f"model alone:   {evaluate(labels, scores).row()}")
    x, y, w = _step_table(records, scores)
    params = fit_weights(x, y, w)
    # per-record step rows in order, to re-score whole solutions with the combiner
    all_x = []
    for r, s in zip(records, scores, strict=True):
        feats = step_features(r["problem"], r["steps"])
        all_x.append([[_logit(p), float(f.eq_bad), float(f.eq_ok), float(f.num_new)]
                      for p, f in zip(s, feats, strict=True)])
    best = (-1.0, 0.0)
    for shift in [v / 10 for v in range(-30, 31)]:
        trial = params[:4] + [params[4] + shift]
        combined = [combine(torch.tensor(xr), trial).tolist() for xr in all_x]
        f1 = evaluate(labels, combined).f1
        if f1 > best[0]:
            best = (f1, shift)
    params[4] += best[1]
    combined = [combine(torch.tensor(xr), params).tolist() for xr in all_x]
    print(f"with combiner: {evaluate(labels, combined).row()}")
    fmt["combiner"] = [round(v, 4) for v in params]
    fmt_file.write_text(json.dumps(fmt, indent=2) + "\n")
    print(f"combiner [w_logit, w_eq_bad, w_eq_ok, w_num_new, bias] = {fmt['combiner']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
