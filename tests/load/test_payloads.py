"""The bench payloads are what they claim: GRPO-shaped, with correct expected verdicts, and the
bench's helpers (percentiles, table, /proc CPU) compute what they say.

    .venv/bin/pytest tests/load/test_payloads.py -q
"""

from __future__ import annotations

import os
import time
from collections import Counter

from mathreward.loadtest import payloads
from mathreward.loadtest.report import markdown_table, percentile
from mathreward.loadtest.server_proc import tree_cpu_seconds
from verifier.verify import verify


def test_groups_share_answers_and_mix_kinds() -> None:
    samples = payloads.make_samples(64, 16, seed=5, hostile_share=0.05)
    assert len(samples) == 64 * 16
    kinds = Counter(s.kind for s in samples)
    assert set(kinds) == {"correct", "equivalent", "wrong", "no_answer", "hostile"}
    # GRPO groups agree on few answers: far fewer distinct (gold, boxed answer) pairs than items.
    answers = {(s.gold, s.response.rsplit("\\boxed{", 1)[-1]) for s in samples}
    assert len(answers) < len(samples) / 2
    assert all(s.response.startswith("<think>") for s in samples)
    assert min(len(s.response) for s in samples) > 2000


def test_group_size_range_and_determinism() -> None:
    a = payloads.make_samples(20, (8, 16), seed=1)
    b = payloads.make_samples(20, (8, 16), seed=1)
    assert a == b
    sizes = Counter(s.id.split("-")[0] for s in a)
    assert all(8 <= n <= 16 for n in sizes.values()) and len(set(sizes.values())) > 1


def test_expected_verdicts_match_the_verifier() -> None:
    samples = payloads.make_samples(40, 16, seed=11, hostile_share=0.0)
    wrong = [(s.kind, s.gold, s.response[-80:]) for s in samples
             if verify(s.response, s.gold).correct != s.expected_correct]
    assert wrong == []


def test_hostile_answers_are_never_correct() -> None:
    for make in payloads.HOSTILE_ANSWERS:
        response = f"<think>ok</think> The answer is $\\boxed{{{make()}}}$."
        started = time.monotonic()
        assert not verify(response, "2").correct
        assert time.monotonic() - started < 10


def test_requests_carry_every_item() -> None:
    samples = payloads.make_samples(2, 8, seed=3)
    assert [i.id for i in payloads.verify_request(samples).items] == [s.id for s in samples]
    reward = payloads.compute_reward_request(samples, "orm")
    assert reward.spec.preset == "orm" and len(reward.items) == 16
    assert len(payloads.score_steps_request(samples).items) == 16


def test_percentile_and_table() -> None:
    values = [float(x) for x in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == \
        (50.0, 99.0, 100.0)
    table = markdown_table([{"batch": 16, "items_per_s": 1234.5, "p50_ms": float("nan")}])
    assert table.splitlines()[2] == "| 16 | 1234 | n/a |"


def test_tree_cpu_seconds_counts_this_process() -> None:
    before = tree_cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:  # bounded busy loop: 0.2 s of CPU
        pass
    assert tree_cpu_seconds(os.getpid()) >= before + 0.1
