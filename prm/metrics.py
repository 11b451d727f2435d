"""PRM quality metrics, ProcessBench's definitions: the predicted first error step, error / correct
accuracy and their F1 at a threshold, the best-threshold F1, and step AUROC.

Used by `prm.evaluate`, `prm_train.calibrate` and `mathreward ablate`; pure Python, no torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

UNSCORED = -2  # the prediction for an item the model could not score: never right


def predicted_error(scores: Sequence[float] | None, threshold: float = 0.5) -> int:
    if scores is None:
        return UNSCORED
    return next((i for i, s in enumerate(scores) if s < threshold), -1)


@dataclass(frozen=True)
class Metrics:
    n: int
    error_acc: float
    correct_acc: float
    f1: float
    best_threshold: float
    best_f1: float
    auroc: float

    def row(self) -> str:
        return (f"n={self.n} error_acc={self.error_acc:.1f} correct_acc={self.correct_acc:.1f} "
                f"F1@0.5={self.f1:.1f} bestF1={self.best_f1:.1f}@{self.best_threshold:.2f} "
                f"AUROC={self.auroc:.3f}")


def f1_at(labels: Sequence[int], scores: Sequence[Sequence[float] | None],
          threshold: float) -> tuple[float, float, float]:
    """(error accuracy, correct accuracy, F1), in percent."""
    err = [predicted_error(s, threshold) == lab for lab, s in zip(labels, scores, strict=True)
           if lab >= 0]
    cor = [predicted_error(s, threshold) == -1 for lab, s in zip(labels, scores, strict=True)
           if lab < 0]
    ea = 100.0 * sum(err) / len(err) if err else 0.0
    ca = 100.0 * sum(cor) / len(cor) if cor else 0.0
    f1 = 2 * ea * ca / (ea + ca) if ea + ca > 0 else 0.0
    return ea, ca, f1


def auroc(pos: Sequence[float], neg: Sequence[float]) -> float:
    """P(score of a right step > score of a first wrong step), ties count half (rank formula)."""
    if not pos or not neg:
        return float("nan")
    allv = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg])
    rank_sum, i = 0.0, 0
    while i < len(allv):
        j = i
        while j < len(allv) and allv[j][0] == allv[i][0]:
            j += 1
        avg_rank = (i + j + 1) / 2  # 1-based average rank of the tie group
        rank_sum += avg_rank * sum(1 for k in range(i, j) if allv[k][1] == 1)
        i = j
    n_pos, n_neg = len(pos), len(neg)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def evaluate(labels: Sequence[int], scores: Sequence[Sequence[float] | None]) -> Metrics:
    ea, ca, f1 = f1_at(labels, scores, 0.5)
    best_t, best_f1 = 0.5, f1
    for k in range(1, 100):
        t = k / 100
        _, _, f = f1_at(labels, scores, t)
        if f > best_f1:
            best_t, best_f1 = t, f
    pos, neg = [], []
    for lab, s in zip(labels, scores, strict=True):
        if s is None:
            continue
        upto = len(s) if lab < 0 else min(lab + 1, len(s))
        for i in range(upto):
            (neg if i == lab else pos).append(s[i])
    return Metrics(len(labels), ea, ca, f1, best_t, best_f1, auroc(pos, neg))
