"""The training-step scenario: one GRPO step's rewards, 128 prompts x 16 responses = 2,048 items,
sent as one trainer sends them, timed next to math-verify in-process on the same 2,048 responses.

    .venv/bin/mathreward bench training-step --workers 2 --out bench/results

The step's reward call is one `RewardClient.verify_answers` call carrying all 2,048 responses
(the ORM reward of DeepScaleR), and, when the server has a PRM (`--prm`), one
`compute_reward(..., "orm+prm_min")` call as well. One warm-up step with other prompts comes
first (a trainer's first step pays the connection and worker warm-up once, not per step). Then
the same 2,048 responses are graded by math-verify serially in this process: both times come
from one run on one machine, so their ratio is the claim, not either number alone.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from mathreward.client import ClientConfig, RewardClient
from mathreward.loadtest import payloads
from mathreward.loadtest.mathverify_baseline import run_baseline
from mathreward.loadtest.server_proc import LocalServer
from mathreward.loadtest.sweep import environment


@dataclass(frozen=True)
class StepConfig:
    prompts: int = 128
    group_size: int = 16
    think_chars: int = 2000
    hostile_share: float = 0.005  # ~10 of 2,048: rare, as in real rollouts, but never absent
    seed: int = 0
    workers: int = 2
    server: str | None = None  # a running server; None = start `mathreward serve` locally
    prm: bool = False  # also time ComputeReward with an ORM+PRM preset (server needs a PRM)
    prm_preset: str = "orm+prm_min"
    compare: bool = True  # run math-verify in-process on the same responses
    timeout_s: float = 600.0


def _items(samples: list[payloads.Sample]) -> list[dict[str, str]]:
    return [{"id": s.id, "problem": s.problem, "response": s.response, "gold": s.gold}
            for s in samples]


async def _timed_step(address: str, config: StepConfig, samples: list[payloads.Sample],
                      warm: list[payloads.Sample]) -> dict[str, Any]:
    client_config = ClientConfig(timeout_s=config.timeout_s)
    out: dict[str, Any] = {}
    async with RewardClient(address, client_config) as client:
        await client.verify_answers(_items(warm))  # warm-up step: channel, workers, imports
        started = time.perf_counter()
        results = await client.verify_answers(_items(samples))
        out["verify_wall_s"] = time.perf_counter() - started
        out["verdicts"] = dict(Counter(r.verdict.value for r in results))
        out["agree"] = sum(r.correct == s.expected_correct for r, s in zip(results, samples,
                                                                           strict=True))
        if config.prm:
            await client.compute_reward(_items(warm[:64]), config.prm_preset)
            started = time.perf_counter()
            outcomes = await client.compute_reward(_items(samples), config.prm_preset)
            out["compute_reward_wall_s"] = time.perf_counter() - started
            out["prm_scored"] = sum(o.prm_scored for o in outcomes)
    return out


def run_step(config: StepConfig) -> dict[str, Any]:
    """Returns the step's timings, verdict counts, server CPU and the math-verify comparison."""
    samples = payloads.make_samples(config.prompts, config.group_size, config.seed,
                                    config.think_chars, config.hostile_share)
    warm = payloads.make_samples(config.prompts, config.group_size, config.seed + 1,
                                 config.think_chars, config.hostile_share)
    result: dict[str, Any] = {"config": asdict(config), "environment": environment(),
                              "items": len(samples),
                              "hostile_items": sum(s.kind == "hostile" for s in samples)}
    if config.server is not None:
        result.update(asyncio.run(_timed_step(config.server, config, samples, warm)))
    else:
        with LocalServer(workers=config.workers, prm=config.prm) as server:
            cpu0 = server.cpu_seconds()
            result.update(asyncio.run(_timed_step(server.address, config, samples, warm)))
            result["server_cpu_s"] = server.cpu_seconds() - cpu0  # warm-up step included
            result["worker_restarts"] = server.scrape().get("mathreward_worker_restarts_total", 0)
    if config.compare:
        baseline = run_baseline(samples)
        result["math_verify"] = {**asdict(baseline), "items_per_s": baseline.items_per_s}
        result["speedup_vs_math_verify"] = baseline.wall_s / result["verify_wall_s"]
    return result


def step_table(result: dict[str, Any]) -> str:
    """The scenario as a markdown table (one row per way of computing the step's rewards)."""
    n = result["items"]
    lines = ["| reward call for one step | items | wall time (s) | items/s |",
             "|---|---:|---:|---:|"]
    where = "remote server" if result["config"]["server"] else \
        f"`mathreward serve --workers {result['config']['workers']}`"
    lines.append(f"| VerifyAnswers, one call ({where}) | {n} | {result['verify_wall_s']:.2f} | "
                 f"{n / result['verify_wall_s']:.0f} |")
    if "compute_reward_wall_s" in result:
        lines.append(f"| ComputeReward `{result['config']['prm_preset']}` | {n} | "
                     f"{result['compute_reward_wall_s']:.2f} | "
                     f"{n / result['compute_reward_wall_s']:.0f} |")
    if "math_verify" in result:
        mv = result["math_verify"]
        lines.append(f"| math-verify in-process, serial | {n} | {mv['wall_s']:.2f} | "
                     f"{mv['items_per_s']:.0f} |")
        lines.append(f"| ... of which the {mv['hostile_items']} hostile items | "
                     f"{mv['hostile_items']} | {mv['hostile_wall_s']:.2f} | |")
    return "\n".join(lines)
