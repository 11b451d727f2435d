"""Bench results: one row per measured cell, a markdown table, JSON, and PNG plots.

Rows are plain dicts (JSON-ready). Plots use matplotlib's Agg backend (no display needed):
throughput vs concurrency (one line per batch size and worker count) and latency percentiles vs
offered load (concurrency).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

Row = dict[str, Any]
COLUMNS = (  # (row key, column title, format)
    ("workers", "workers", "{}"),
    ("batch", "batch", "{}"),
    ("concurrency", "conc.", "{}"),
    ("rpcs", "RPCs", "{}"),
    ("items", "items", "{}"),
    ("items_per_s", "items/s", "{:.0f}"),
    ("rpc_per_s", "RPC/s", "{:.1f}"),
    ("p50_ms", "p50 ms", "{:.1f}"),
    ("p95_ms", "p95 ms", "{:.1f}"),
    ("p99_ms", "p99 ms", "{:.1f}"),
    ("cpu_s_per_1k", "server CPU s / 1k items", "{:.2f}"),
    ("main_cpu_s_per_1k", "of which gRPC process", "{:.2f}"),
    ("client_cpu_s_per_1k", "bench CPU s / 1k items", "{:.2f}"),
    ("timeouts", "TIMEOUT items", "{}"),
    ("restarts", "worker restarts", "{}"),
    ("errors", "failed RPCs", "{}"),
    ("vs_math_verify", "x math-verify", "{:.1f}"),
)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100]); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _cell(row: Row, key: str, fmt: str) -> str:
    value = row.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return fmt.format(value)


def markdown_table(rows: Sequence[Row], columns: Sequence[tuple[str, str, str]] = COLUMNS) -> str:
    used = [c for c in columns if any(c[0] in row for row in rows)]
    lines = ["| " + " | ".join(title for _, title, _ in used) + " |",
             "|" + "|".join("---:" for _ in used) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row, k, f) for k, _, f in used) + " |")
    return "\n".join(lines)


def write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")


def _series(rows: Sequence[Row]) -> dict[tuple[int, int], list[Row]]:
    out: dict[tuple[int, int], list[Row]] = {}
    for row in rows:
        out.setdefault((row["workers"], row["batch"]), []).append(row)
    return {k: sorted(v, key=lambda r: r["concurrency"]) for k, v in sorted(out.items())}


def plot_sweep(rows: Sequence[Row], out_dir: Path, title: str) -> list[Path]:
    """throughput.png and latency.png in `out_dir`; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    series = _series(rows)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (workers, batch), cells in series.items():
        ax.plot([r["concurrency"] for r in cells], [r["items_per_s"] for r in cells],
                marker="o", label=f"{workers} workers, batch {batch}")
    if rows and rows[0].get("math_verify_items_per_s"):
        ax.axhline(rows[0]["math_verify_items_per_s"], color="grey", linestyle="--",
                   label="math-verify in-process (1 core)")
    ax.set(xlabel="concurrent callers (closed loop)", ylabel="items / s", title=title)
    ax.set_xscale("log", base=2)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    throughput = out_dir / "throughput.png"
    fig.tight_layout()
    fig.savefig(throughput, dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (workers, batch), cells in series.items():
        x = [r["concurrency"] for r in cells]
        line = ax.plot(x, [r["p50_ms"] for r in cells], marker="o",
                       label=f"p50, {workers} w, batch {batch}")[0]
        ax.plot(x, [r["p99_ms"] for r in cells], marker="^", linestyle="--",
                color=line.get_color(), label=f"p99, {workers} w, batch {batch}")
    ax.set(xlabel="concurrent callers (closed loop)", ylabel="RPC latency (ms)",
           title=f"{title}: latency percentiles vs load")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    latency = out_dir / "latency.png"
    fig.tight_layout()
    fig.savefig(latency, dpi=110)
    plt.close(fig)
    return [throughput, latency]
