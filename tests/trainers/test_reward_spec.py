"""Every reward spec's arithmetic, table-driven (pure functions, no server).

Run: .venv/bin/pytest tests/trainers/test_reward_spec.py -q
"""

from __future__ import annotations

import math

import pytest

from mathreward.reward_spec import (
    PRESETS,
    PrmAggregation,
    RewardSpec,
    SpecError,
    aggregate,
    combine,
    get_preset,
    parse_spec_list,
)
from verifier.types import Verdict

C, W, N, U, T = (Verdict.CORRECT, Verdict.INCORRECT, Verdict.NO_ANSWER, Verdict.UNPARSEABLE,
                 Verdict.TIMEOUT)
STEPS = (0.9, 0.5, 0.8)  # min .5, prod .36, mean .7333.., last .8

AGG_TABLE = [
    (PrmAggregation.MIN, STEPS, 0.5),
    (PrmAggregation.PRODUCT, STEPS, 0.36),
    (PrmAggregation.MEAN, STEPS, 2.2 / 3),
    (PrmAggregation.LAST, STEPS, 0.8),
    (PrmAggregation.MIN, (0.3,), 0.3),
    (PrmAggregation.PRODUCT, (1.0, 1.0), 1.0),
    (PrmAggregation.LAST, (0.1, 0.99), 0.99),
]


@pytest.mark.parametrize(("how", "scores", "expected"), AGG_TABLE)
def test_aggregate(how, scores, expected):
    assert aggregate(scores, how) == pytest.approx(expected)


@pytest.mark.parametrize("how", list(PrmAggregation))
def test_aggregate_of_no_steps_is_none(how):
    assert aggregate((), how) is None


# (preset, verdict, prm aggregate given to combine (already aggregated), expected reward)
PRESET_TABLE = [
    ("orm", C, None, 1.0),
    ("orm", W, None, 0.0),
    ("orm", N, None, 0.0),
    ("orm", T, None, 0.0),
    ("orm_deepscaler", C, None, 1.0),
    ("orm_deepscaler", W, None, -1.0),
    ("orm_deepscaler", N, None, -1.0),
    ("orm_deepscaler", U, None, -1.0),
    ("orm_format_penalty", C, None, 1.0),
    ("orm_format_penalty", W, None, 0.0),
    ("orm_format_penalty", U, None, 0.0),  # an unreadable answer is wrong, not a format error
    ("orm_format_penalty", N, None, -1.0),
    ("prm_min", W, 0.5, 0.5),  # the PRM alone ignores the verdict
    ("prm_min", C, 0.25, 0.25),
    ("prm_min", C, None, 0.0),  # not scorable -> 0
    ("prm_prod", N, 0.36, 0.36),
    ("prm_mean", C, 0.7, 0.7),
    ("prm_last", W, 0.8, 0.8),
    ("orm+prm_min", C, 0.5, 0.75),
    ("orm+prm_min", W, 0.5, 0.25),
    ("orm+prm_min", N, None, 0.0),
    ("orm+prm_prod", C, 1.0, 1.0),
    ("orm+prm_mean", W, 0.9, 0.45),
    ("orm+prm_last", C, 0.0, 0.5),
    ("orm_gated_prm_min", C, 0.5, 0.75),
    ("orm_gated_prm_min", W, 0.9, 0.0),  # gate: a wrong answer gets no process credit
    ("orm_gated_prm_min", N, 0.9, 0.0),
    ("orm_gated_prm_prod", C, 0.36, 0.68),
    ("orm_gated_prm_mean", C, None, 0.5),
    ("orm_gated_prm_last", T, 1.0, 0.0),
]


@pytest.mark.parametrize(("name", "verdict", "prm", "expected"), PRESET_TABLE)
def test_preset_arithmetic(name, verdict, prm, expected):
    assert combine(get_preset(name), verdict, prm) == pytest.approx(expected)


def test_every_preset_is_in_the_table():
    assert {row[0] for row in PRESET_TABLE} == set(PRESETS)


@pytest.mark.parametrize(("name", "needs"), [
    ("orm", False), ("orm_deepscaler", False), ("orm_format_penalty", False),
    ("prm_min", True), ("orm+prm_mean", True), ("orm_gated_prm_last", True),
])
def test_needs_prm(name, needs):
    assert get_preset(name).needs_prm is needs


def test_custom_weighted_mix():
    spec = RewardSpec(orm_weight=2.0, prm_weight=-1.0, prm_aggregation=PrmAggregation.MEAN,
                      correct_reward=1.0, incorrect_reward=-0.5, format_penalty_reward=-2.0)
    assert combine(spec, C, 0.4) == pytest.approx(2.0 - 0.4)
    assert combine(spec, W, 0.4) == pytest.approx(-1.0 - 0.4)
    assert combine(spec, N, 0.4) == pytest.approx(-4.0 - 0.4)
    assert "prm_mean" in spec.label


def test_preset_names_and_aliases():
    assert get_preset("PRM_PRODUCT") is PRESETS["prm_prod"]
    assert get_preset(" orm ").name == "orm"
    with pytest.raises(SpecError, match="unknown reward spec preset"):
        get_preset("prm_median")


def test_parse_spec_list_keeps_order_and_drops_duplicates():
    specs = parse_spec_list("orm, prm_min,orm,prm_prod")
    assert [s.name for s in specs] == ["orm", "prm_min", "prm_prod"]
    with pytest.raises(SpecError):
        parse_spec_list(" , ")


@pytest.mark.parametrize("bad", [math.nan, math.inf, "1"])
def test_non_finite_numbers_are_rejected(bad):
    with pytest.raises(SpecError):
        RewardSpec(prm_weight=bad)


def test_field_spec_without_weights_pays_the_outcome_reward(server) -> None:
    """proto3 cannot tell an unset orm_weight from 0: a spec of outcome fields alone (what a
    trainer writes for +1/-1, over gRPC or as the gateway's JSON spec) must pay them, never 0
    for every item."""
    import grpc

    from mathreward import convert
    from mathreward._pb import reward_pb2 as pb
    from mathreward._pb import reward_pb2_grpc

    fields_only = pb.RewardSpec(correct_reward=1.0, incorrect_reward=-1.0)
    assert convert.reward_spec_from_pb(fields_only).orm_weight == 1.0
    items = [pb.ComputeRewardItem(id="right", response=r"\boxed{4}", gold="4"),
             pb.ComputeRewardItem(id="wrong", response=r"\boxed{5}", gold="4")]
    with grpc.insecure_channel(server.address) as channel:
        reply = reward_pb2_grpc.RewardServiceStub(channel).ComputeReward(
            pb.ComputeRewardRequest(items=items, spec=fields_only), timeout=60)
    assert [r.reward for r in reply.results] == [1.0, -1.0]
