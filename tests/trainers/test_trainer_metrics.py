"""Metrics trainer traffic relies on: PRM items of ComputeReward, counters present from start-up.

Run: PYTHONPATH=$PWD .venv/bin/pytest tests/trainers/test_trainer_metrics.py -q
A fresh real server's /metrics is scraped over HTTP. Every counter that the Grafana dashboard or
the Prometheus alerts read, with every label value they select, must be there at 0 before any
traffic (an alert on an absent series never fires; `rate()` of a series born at 1 misses it).
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
_SELECTOR = re.compile(r"\b((?:mathreward|grpc_server)_\w+_total)\b(?:\{([^}]*)\})?")
_MATCHER = re.compile(r'(\w+)\s*(=~|=)\s*\\?"([^"\\]*)\\?"')


def scrape(port: int) -> dict[str, list[dict[str, str]]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:
        text = response.read().decode()
    series: dict[str, list[dict[str, str]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            series.setdefault(sample.name, []).append(dict(sample.labels, _value=sample.value))
    return series


def used_counters() -> list[tuple[str, str, list[str]]]:
    """(counter, label, values) of ours that the dashboard and alerts select (label "": any)."""
    texts = [(ROOT / "deploy" / "prometheus" / "alerts.yaml").read_text()]
    for path in (ROOT / "deploy" / "grafana").glob("*.json"):
        texts.append(json.dumps(json.loads(path.read_text())))
    used = []
    for text in texts:
        for name, matchers in _SELECTOR.findall(text):
            used.append((name, "", []))
            for label, op, value in _MATCHER.findall(matchers or ""):
                if label in {"namespace", "pod", "job", "instance"}:
                    continue
                used.append((name, label, value.split("|") if op == "=~" else [value]))
    return used


def test_every_counter_the_dashboard_and_alerts_use_exists_at_zero(make_server):
    srv = make_server(metrics_port=0)
    series = scrape(srv.handle.metrics_port)
    checked = used_counters()
    assert len(checked) > 10  # the parsing found the selectors
    for name, label, values in checked:
        assert name in series, f"{name} is absent from a fresh server's /metrics"
        for value in values:
            assert any(s.get(label) == value for s in series[name]), f"{name}{{{label}={value!r}}}"
    assert {s["status"] for s in series["mathreward_prm_items_total"]} >= {
        "ok", "too_long", "no_steps", "error", "timeout"}
    assert series["mathreward_adapter_unlocated_total"][0]["_value"] == 0


def test_prm_items_of_compute_reward_are_counted(make_server, tmp_path):
    engine_module = pytest.importorskip("prm.engine")
    from mathreward.client import SyncRewardClient
    from mathreward.rewards import RewardItem
    from prm.testing import build_tiny_qwen_prm

    path = build_tiny_qwen_prm(tmp_path / "tiny")
    prm_config = engine_module.PrmConfig(model_path=str(path), device="cpu")
    srv = make_server(engine=engine_module.PrmEngine(prm_config), prm=prm_config)
    items = [RewardItem(id=str(i), problem="What is 6*2?", response=f"6*2 = 12.\n\n\\boxed{{{i}}}",
                        gold="12") for i in range(3)]
    items.append(RewardItem(id="empty", problem="What is 6*2?", response="", gold="12"))
    with SyncRewardClient(srv.address, timeout_s=120.0) as client:
        outcomes = client.compute_reward(items, "orm+prm_min")
    assert [o.prm_scored for o in outcomes] == [True, True, True, False]
    sample = srv.metrics.registry.get_sample_value
    assert sample("mathreward_prm_items_total", {"status": "ok"}) == 3
    assert sample("mathreward_prm_items_total", {"status": "no_steps"}) == 1
