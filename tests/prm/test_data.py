"""Invariants of the synthetic data: layout, balance, label = first wrong step, errors propagate
consistently, held-back split disjoint from training, seeded reproducibility."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from prm.arith import step_features
from prm_train import data
from prm_train.families import FAMILIES, HELD_OUT
from prm_train.render import CALC_HELDOUT, CALC_TRAIN


@pytest.fixture(scope="module")
def train_recs():
    return list(data.generate("train", 600, seed=5))


def test_layout_and_balance(train_recs):
    for r in train_recs:
        assert set(r) >= {"problem", "steps", "label"}
        assert r["steps"] and all(isinstance(s, str) and s for s in r["steps"])
        assert -1 <= r["label"] < len(r["steps"])
        assert (r["label"] == -1) == (r["kind"] == "correct")
    kinds = Counter(r["kind"] for r in train_recs)
    assert kinds["correct"] == 300
    assert set(kinds) == {"correct", *data.ERROR_KINDS}


def test_no_false_arithmetic_before_the_first_error(train_recs):
    """Steps before the label never contain an equality that fails; correct solutions none."""
    for r in train_recs:
        feats = step_features(r["problem"], r["steps"])
        upto = len(feats) if r["label"] < 0 else r["label"]
        assert not any(f.eq_bad for f in feats[:upto]), r


def test_errors_propagate_consistently():
    """Every op after the injected one computes exactly from the (erroneous) values before it."""
    rng = random.Random(0)
    fams = [f for f in FAMILIES if f.name not in HELD_OUT]
    checked = 0
    while checked < 200:
        fam = rng.choice(fams)
        env = data.sample_env(fam, rng)
        k = rng.randrange(len(fam.ops))
        calcs = data.run_program(fam, env, (k, rng.choice(data.ERROR_KINDS)), rng)
        if calcs is None:
            continue
        checked += 1
        assert [c.wrong for c in calcs] == [i == k for i in range(len(calcs))]
        for c in calcs[k + 1 :]:
            assert c.result == data._compute(c.kind, c.vals, c.signs)
            for arg, v in zip(c.op.args, c.vals, strict=True):
                name = arg.lstrip("-")
                if not name.startswith("#"):
                    assert v == env[name]  # the value actually computed earlier (wrong or not)


def test_label_is_first_wrong_step():
    rng = random.Random(1)
    fam = next(f for f in FAMILIES if f.name == "shopping_change")
    for _ in range(50):
        env = data.sample_env(fam, rng)
        calcs = data.run_program(fam, env, (2, "arithmetic"), rng)
        if calcs is None:
            continue
        problem, steps, label = data.render_solution(fam, env, calcs, rng, False, False)
        shown = str(int(calcs[2].result)) if calcs[2].result.denominator == 1 else None
        assert shown is None or any(shown in s.replace(",", "") for s in steps[label:label + 1])


def test_heldout_split_uses_other_families_and_phrasings():
    held = list(data.generate("heldout", 200, seed=9))
    assert {r["family"] for r in held} <= HELD_OUT
    assert not set(CALC_HELDOUT) & set(CALC_TRAIN)
    train = list(data.generate("train", 200, seed=9))
    assert not {r["family"] for r in train} & HELD_OUT


def test_seeded():
    assert list(data.generate("train", 30, seed=3)) == list(data.generate("train", 30, seed=3))
    assert list(data.generate("train", 30, seed=3)) != list(data.generate("train", 30, seed=4))
