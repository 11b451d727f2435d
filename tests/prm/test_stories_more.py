"""The randomly composed problem shapes of `prm_train/stories_more.py` /
`prm_train/stories_money.py`: each
builds valid families that host every error kind, records are well formed and exact before the
first error, and only the training split draws from them."""

from __future__ import annotations

import random
import string
from collections import Counter

import pytest

from prm.arith import step_features
from prm_train import data, stories, stories_more

NEW = [g for g in stories_more.GENERATORS if g is not stories.random_family]
NEW_NAMES = {"shopping_story", "earnings_story", "compare_story", "travel_story",
             "production_story", "average_story", "groups_story", "parts_story", "area_story"}


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("gen", NEW, ids=lambda g: g.__name__)
def test_generator_builds_valid_families(gen):
    rng = random.Random(1)
    for _ in range(50):
        fam = gen(rng)
        env = data.sample_env(fam, rng)
        known = set(env) | {"name", "he", "his", "He", "His"}
        assert _fields(fam.problems[0]) <= known, fam.problems[0]
        defined = set(env)
        for op in fam.ops:
            for a in op.args:
                name = a.lstrip("-")
                assert name.startswith("#") or name in defined, (op, fam.problems[0])
            defined.add(op.out)
        assert fam.money <= set(fam.ranges)


@pytest.mark.parametrize("gen", NEW, ids=lambda g: g.__name__)
def test_generator_hosts_every_kind(gen):
    rng = random.Random(2)
    for kind in ("correct", *data.ERROR_KINDS):
        recs = [data.generate_one(gen(rng), rng, kind, heldout=False) for _ in range(60)]
        recs = [r for r in recs if r is not None]
        assert recs, (gen.__name__, kind)
        for r in recs:
            assert -1 <= r["label"] < len(r["steps"])
            assert (r["label"] == -1) == (kind == "correct")
            assert r["family"] in NEW_NAMES
            assert "{" not in r["problem"].replace("\\frac{", "").replace("\\boxed{", "")


def test_train_split_mixes_in_new_shapes_and_stays_exact():
    recs = list(data.generate("train", 400, seed=7))
    fams = Counter(r["family"] for r in recs)
    assert sum(fams[f] for f in NEW_NAMES) > 100
    assert len(NEW_NAMES & set(fams)) >= 7
    assert set(Counter(r["kind"] for r in recs)) == {"correct", *data.ERROR_KINDS}
    for r in recs:
        if r["family"] not in NEW_NAMES:
            continue
        feats = step_features(r["problem"], r["steps"])
        upto = len(feats) if r["label"] < 0 else r["label"]
        assert not any(f.eq_bad for f in feats[:upto]), r


@pytest.mark.parametrize("split", ["heldout", "dev"])
def test_eval_splits_never_draw_new_shapes(split):
    fams = {r["family"] for r in data.generate(split, 300, seed=3)}
    assert not fams & NEW_NAMES
    assert "story" not in fams
