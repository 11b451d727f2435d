"""ProcessBench metric on hand-made cases."""

from __future__ import annotations

import pytest

from prm.metrics import auroc, evaluate, f1_at, predicted_error


def test_predicted_error():
    assert predicted_error([0.9, 0.4, 0.1]) == 1
    assert predicted_error([0.9, 0.8]) == -1
    assert predicted_error([0.9, 0.8], threshold=0.85) == 1
    assert predicted_error([]) == -1


def test_f1_hand_made():
    labels = [-1, -1, 1, 0]
    scores = [[0.9, 0.9], [0.9, 0.3], [0.9, 0.2, 0.1], [0.8, 0.1]]
    # correct: 1 of 2 right (50%); erroneous: label 1 right, label 0 predicted 1 (50%)
    ea, ca, f1 = f1_at(labels, scores, 0.5)
    assert (ea, ca, f1) == (50.0, 50.0, 50.0)
    m = evaluate(labels, scores)
    assert m.f1 == 50.0
    assert m.best_f1 >= m.f1
    # at 0.95 no correct solution survives
    assert f1_at(labels, scores, 0.95)[1:] == (0.0, 0.0)


def test_auroc():
    assert auroc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert auroc([0.1], [0.9]) == 0.0
    assert auroc([0.5, 0.5], [0.5]) == pytest.approx(0.5)
