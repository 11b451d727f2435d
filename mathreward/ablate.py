"""ORM-vs-PRM ablation over a rollouts file: Best-of-N, majority vote, pass@N, AUROC, cost.

    .venv/bin/mathreward ablate ROLLOUTS.jsonl --specs orm,prm_min,prm_prod --out runs/ablate
    .venv/bin/mathreward ablate --demo                       # generates sample rollouts first

Input lines `{"id","problem","gold","responses":[...]}`. Every response is measured once (the ORM
verdict and extracted answer, the PRM step scores when a spec needs them) and every spec's reward
is then computed from those parts with the same arithmetic as ComputeReward (`reward_spec`).

- Best-of-N at N = 1, 2, 4, ... (and the full N): among the first N responses pick the one with
  the highest reward (first on ties), score 1 if its ORM verdict is CORRECT; mean over problems.
  A spec with an ORM term sees the gold answer, so its Best-of-N is an oracle (= pass@N when the
  ORM dominates); the PRM-only specs are the ones that choose without the answer.
- Majority vote (most common extracted answer among the first N; first seen wins ties) and pass@N
  (any of the first N correct) are the references.
- AUROC: how well each spec's reward separates ORM-correct from ORM-wrong responses.
- Cost: wall seconds per item of the ORM-only measurement and of the PRM measurement (run one
  after the other; in ComputeReward they run concurrently, so ORM+PRM is an upper bound).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mathreward.backends import Backend, parts_of
from mathreward.reward_spec import RewardSpec, get_preset
from mathreward.rewards import RewardItem, RewardParts, outcome_for
from prm.metrics import auroc as step_auroc
from verifier.types import Verdict


@dataclass(frozen=True)
class Problem:
    id: str
    problem: str
    gold: str
    responses: tuple[str, ...]


@dataclass
class AblationReport:
    specs: list[str]
    n_values: list[int]
    problems: int
    responses: int
    best_of_n: dict[str, dict[int, float]] = field(default_factory=dict)
    majority: dict[int, float] = field(default_factory=dict)
    pass_at_n: dict[int, float] = field(default_factory=dict)
    auroc: dict[str, float | None] = field(default_factory=dict)
    cost_s_per_item: dict[str, float] = field(default_factory=dict)
    orm_accuracy: float = 0.0

    def to_json(self) -> dict:
        return {
            "specs": self.specs, "n_values": self.n_values, "problems": self.problems,
            "responses": self.responses, "orm_accuracy": self.orm_accuracy,
            "best_of_n": {s: {str(n): a for n, a in v.items()} for s, v in self.best_of_n.items()},
            "majority_vote": {str(n): a for n, a in self.majority.items()},
            "pass_at_n": {str(n): a for n, a in self.pass_at_n.items()},
            "auroc": self.auroc, "cost_s_per_item": self.cost_s_per_item,
        }


def n_values(n_max: int) -> list[int]:
    """1, 2, 4, ... up to n_max, plus n_max itself."""
    values, n = [], 1
    while n < n_max:
        values.append(n)
        n *= 2
    return values + [n_max]


def best_of_n(rewards: Sequence[Sequence[float]], correct: Sequence[Sequence[bool]],
              n: int) -> float:
    """Mean over problems of: is the highest-reward response among the first n correct?"""
    hits = [c[int(np.argmax(r[:n]))] for r, c in zip(rewards, correct, strict=True)]
    return float(np.mean(hits)) if hits else 0.0


def majority_vote(answers: Sequence[Sequence[str | None]], correct: Sequence[Sequence[bool]],
                  n: int) -> float:
    """Mean over problems: is the most common extracted answer among the first n correct?"""
    hits = []
    for ans, cor in zip(answers, correct, strict=True):
        votes = Counter(a for a in ans[:n] if a)
        if not votes:
            hits.append(False)
            continue
        top = max(votes.values())
        winner = next(a for a in ans[:n] if a and votes[a] == top)  # first seen wins ties
        hits.append(cor[ans.index(winner)])
    return float(np.mean(hits)) if hits else 0.0


def pass_at_n(correct: Sequence[Sequence[bool]], n: int) -> float:
    return float(np.mean([any(c[:n]) for c in correct])) if correct else 0.0


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """P(score of a random positive > that of a random negative), ties count half (Mann-Whitney).

    None when one class is empty (the AUROC is undefined).
    """
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return None
    return step_auroc(pos, neg)


def _items(problems: Sequence[Problem]) -> list[RewardItem]:
    return [RewardItem(id=f"{p.id}/{i}", problem=p.problem, response=r, gold=p.gold)
            for p in problems for i, r in enumerate(p.responses)]


async def measure(problems: Sequence[Problem], backend: Backend, need_prm: bool,
                  batch_items: int = 256, progress: Callable[[int], None] | None = None
                  ) -> tuple[list[list[RewardParts]], dict[str, float]]:
    """Parts per response (parts[p][i]) and the cost in seconds per item of each measurement.

    First the ORM alone (spec `orm`), then, when a spec needs it, spec `orm+prm_min`, whose
    ungated answer carries the verdicts and the PRM's own step scores (the ORM is cached by
    then, so its time is mostly the PRM's).
    """
    items = _items(problems)
    runs = [("orm", get_preset("orm"))] + ([("prm", get_preset("orm+prm_min"))]
                                           if need_prm else [])
    cost: dict[str, float] = {}
    outcomes = []
    for key, spec in runs:
        outcomes = []
        start = time.perf_counter()
        for lo in range(0, len(items), batch_items):
            chunk = items[lo:lo + batch_items]
            outcomes.extend(await backend.compute(chunk, spec))
            if progress is not None:
                progress(len(chunk))
        cost[key] = (time.perf_counter() - start) / max(1, len(items))
    flat = [parts_of(o) if need_prm else RewardParts(result=parts_of(o).result, prm=None)
            for o in outcomes]
    parts, at = [], 0
    for p in problems:
        parts.append(flat[at:at + len(p.responses)])
        at += len(p.responses)
    return parts, cost


def _answer_key(extracted: str | None) -> str | None:
    """The vote key of an answer: spacing, `$`, and thousands separators do not split votes."""
    if not extracted:
        return None
    key = re.sub(r"\\[,!;: ]|\{,\}|\$|\s+", "", extracted)
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", key)


def evaluate(problems: Sequence[Problem], parts: Sequence[Sequence[RewardParts]],
             specs: Sequence[RewardSpec], cost: dict[str, float]) -> AblationReport:
    """All metrics from measured parts (parts[p][i] = response i of problem p)."""
    n_max = min(len(p.responses) for p in problems) if problems else 1
    ns = n_values(n_max)
    correct = [[pt.result.verdict is Verdict.CORRECT for pt in row] for row in parts]
    answers = [[_answer_key(pt.result.extracted) for pt in row] for row in parts]
    flat_correct = [c for row in correct for c in row]
    report = AblationReport(specs=[s.label for s in specs], n_values=ns, problems=len(problems),
                            responses=len(flat_correct),
                            orm_accuracy=float(np.mean(flat_correct)) if flat_correct else 0.0)
    report.majority = {n: majority_vote(answers, correct, n) for n in ns}
    report.pass_at_n = {n: pass_at_n(correct, n) for n in ns}
    for spec in specs:
        rewards = [[outcome_for(spec, "", pt).reward for pt in row] for row in parts]
        report.best_of_n[spec.label] = {n: best_of_n(rewards, correct, n) for n in ns}
        report.auroc[spec.label] = auroc([r for row in rewards for r in row], flat_correct)
        needs = ("orm", "prm") if spec.needs_prm else ("orm",)
        report.cost_s_per_item[spec.label] = sum(cost.get(k, math.nan) for k in needs)
    return report


def to_markdown(report: AblationReport) -> str:
    """The results table: one row per spec, then the majority-vote and pass@N references."""
    head = ["reward spec"] + [f"BoN@{n}" for n in report.n_values] + ["AUROC", "ms/item"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def row(name: str, accs: dict[int, float], au: str, cost: str) -> str:
        cells = [name] + [f"{accs[n]:.3f}" for n in report.n_values] + [au, cost]
        return "| " + " | ".join(cells) + " |"

    for spec in report.specs:
        au = report.auroc.get(spec)
        lines.append(row(spec, report.best_of_n[spec], "-" if au is None else f"{au:.3f}",
                         f"{1000 * report.cost_s_per_item[spec]:.2f}"))
    lines.append(row("majority vote", report.majority, "-", "-"))
    lines.append(row("pass@N", report.pass_at_n, "-", "-"))
    lines.append("")
    lines.append(f"{report.problems} problems, {report.responses} responses, ORM accuracy of a "
                 f"single response {report.orm_accuracy:.3f}.")
    return "\n".join(lines) + "\n"


def plot(report: AblationReport, path: Path) -> None:
    """Best-of-N accuracy vs N, one line per spec, references dashed (PNG, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=120)
    ns = report.n_values
    markers = "osD^vPX<>"
    for i, spec in enumerate(report.specs):  # shrinking markers keep coinciding lines visible
        ax.plot(ns, [report.best_of_n[spec][n] for n in ns], marker=markers[i % len(markers)],
                markersize=max(3, 10 - i), label=spec)
    ax.plot(ns, [report.majority[n] for n in ns], "k--", label="majority vote")
    ax.plot(ns, [report.pass_at_n[n] for n in ns], "k:", label="pass@N")
    ax.set_xscale("log", base=2)
    ax.set_xticks(ns, [str(n) for n in ns])
    ax.set_xlabel("N (responses per problem)")
    ax.set_ylabel("accuracy of the chosen response")
    ax.set_title(f"Best-of-N by reward spec ({report.problems} problems)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_outputs(report: AblationReport, out_dir: Path) -> dict[str, Path]:
    """ablation.md, ablation.json and best_of_n.png under out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": out_dir / "ablation.md", "json": out_dir / "ablation.json",
             "plot": out_dir / "best_of_n.png"}
    paths["markdown"].write_text(to_markdown(report))
    paths["json"].write_text(json.dumps(report.to_json(), indent=2) + "\n")
    plot(report, paths["plot"])
    return paths
