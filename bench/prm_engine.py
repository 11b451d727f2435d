"""PRM engine throughput: dynamic batching vs a naive one-request-per-forward loop.

    OMP_NUM_THREADS=2 .venv/bin/python bench/prm_engine.py [--prm PATH] [--device cpu]
        [--n 256] [--threads 2] [--max-batch-size 64] [--max-batch-tokens 2048]
        [--max-pad-tokens 256] [--encode-processes 0,2] [--rounds 3]

Requests are synthetic solutions (`prm_train.data`, held-out split). The naive loop encodes and
runs one
forward per request on the caller's thread. The engine is driven by 1, 8 and 64 concurrent
clients, each sending single-solution `score()` calls until `--n` requests are done. Prints one
table: step scores/s, real (unpadded) tokens/s, and the ratio to the naive loop. A second table
gives the ceiling batching can reach on this machine: the forward alone (no encoding, no engine)
one request per forward vs length-sorted 2048-token micro-batches, and a bare GEMM of the model's
MLP shape at one request's rows vs 2048 rows, with the model's FLOPs per token.

    .venv/bin/python bench/prm_engine.py --threads-table [--n 256] [--rounds 3] [--prm PATH]
    .venv/bin/python bench/prm_engine.py --device cuda --random-7b /tmp/qwen7b-random \
        --max-batch-tokens 16384 --max-batch-size 64

(the second: a random-weight checkpoint of Qwen2.5-Math-PRM-7B's shape, built on first use, in
the hub layout; not yet run: no GPU was lent to the session that wrote it)

runs `mathreward score-steps` (a fresh process each time, as a user would) on the same `--n`
solutions with torch's default intra-op threads (every core torch sees) and with the engine's
default (`prm.engine.default_threads()`: the cores this process may use, less one for the
encode thread), interleaved, best of `--rounds`, and prints one table.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

from prm import formats
from prm.engine import BUNDLED_WEIGHTS, PrmConfig, PrmEngine, StepStatus, resolve_device
from prm_train import data


def naive(path: str, device: str, items: list[tuple[str, list[str]]]) -> tuple[float, int, int]:
    dev = resolve_device(device)
    loaded = formats.load(path, dev, torch.bfloat16 if dev.type == "cuda" else torch.float32)

    def one(problem: str, st: list[str]) -> tuple[int, int]:
        enc = loaded.codec.encode(problem, st)
        ids = torch.tensor([enc.ids], device=dev)
        with torch.inference_mode():
            probs = loaded.step_probs(ids, torch.ones_like(ids))[0, enc.tag_positions].cpu()
        return len(probs), len(enc.ids)

    for problem, st in items[:2]:
        one(problem, st)
    t0 = time.perf_counter()
    steps = tokens = 0
    for problem, st in items:
        s, k = one(problem, st)
        steps += s
        tokens += k
    return time.perf_counter() - t0, steps, tokens


async def engine_run(path: str, device: str, items: list[tuple[str, list[str]]],
                     concurrency: int, max_batch_size: int, max_batch_tokens: int,
                     max_pad_tokens: int, dispatch_when_idle: bool,
                     encode_processes: int) -> tuple[float, int, int]:
    engine = PrmEngine(PrmConfig(model_path=path, device=device, max_batch_size=max_batch_size,
                                 max_batch_tokens=max_batch_tokens,
                                 max_pad_tokens=max_pad_tokens,
                                 dispatch_when_idle=dispatch_when_idle,
                                 encode_processes=encode_processes))
    await engine.start()
    queue = list(range(len(items)))
    counts = [0, 0]
    codec = formats.load_codec(path)  # the codec the engine encodes with: the same token counts
    lengths = [len(codec.encode(p, s).ids) for p, s in items]

    async def client() -> None:
        while queue:
            i = queue.pop()
            res = await engine.score(*items[i])
            if res.status == StepStatus.OK:
                counts[0] += len(res.scores)
                counts[1] += lengths[i]

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    await engine.close()
    return elapsed, counts[0], counts[1]


def _engine_sync(args, items: list[tuple[str, list[str]]], concurrency: int,
                 encode_processes: int) -> tuple[float, int, int]:
    return asyncio.run(engine_run(args.prm, args.device, items, concurrency,
                                  args.max_batch_size, args.max_batch_tokens,
                                  args.max_pad_tokens, not args.always_wait, encode_processes))


def _best_of(fn, reps: int = 3) -> float:
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def ceiling(path: str, device: str, items: list[tuple[str, list[str]]]) -> list[str]:
    """Rows of the ceiling table (see the module docstring); best of 3 to damp a shared CPU."""
    dev = resolve_device(device)
    loaded = formats.load(path, dev, torch.bfloat16 if dev.type == "cuda" else torch.float32)
    encs = sorted((loaded.codec.encode(p, s).ids for p, s in items),
                  key=len)
    real = sum(len(e) for e in encs)
    groups: list[list[list[int]]] = [[]]
    for e in encs:  # greedy 2048-token padded micro-batches, as the engine forms them
        if groups[-1] and len(e) * (len(groups[-1]) + 1) > 2048:
            groups.append([])
        groups[-1].append(e)

    def padded(g: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        T = len(g[-1])
        ids = torch.tensor([e + [loaded.pad_id] * (T - len(e)) for e in g], device=dev)
        mask = torch.tensor([[1] * len(e) + [0] * (T - len(e)) for e in g], device=dev)
        return ids, mask  # (B, T) each

    singles, batches = [padded([e]) for e in encs], [padded(g) for g in groups]

    def run(bs: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
        with torch.inference_mode():
            for ids, mask in bs:
                loaded.step_probs(ids, mask)

    cfg = loaded.model.config
    H, inter, layers = cfg.hidden_size, cfg.intermediate_size, cfg.num_hidden_layers
    mean_t = real / len(encs)
    inner = getattr(loaded.model, "model", loaded.model)  # the scorer wraps the network
    members = len(getattr(inner, "members", [inner]))  # an ensemble runs each
    flop = 2 * (layers * (4 * H * H + 3 * H * inter) + H * H + 2 * H) * members  # linear layers
    flop_attn = 2 * layers * 2 * mean_t * H * members  # QK^T and AV at the mean length
    rows = [f"model FLOPs per token: {flop / 1e6:.2f} M linear + {flop_attn / 1e6:.2f} M "
            f"attention at the mean length {mean_t:.0f} tokens ({members} member(s))"]
    for name, bs in (("forward alone, 1 request per forward", singles),
                     (f"forward alone, {len(batches)} sorted 2048-token micro-batches", batches)):
        run(bs[:2])
        t = _best_of(lambda bs=bs: run(bs))
        gflops = real * (flop + flop_attn) / t / 1e9
        rows.append(f"| {name} | {real / t:.0f} tokens/s | {gflops:.0f} GFLOP/s |")
    w = torch.randn(inter, H, device=dev)
    for n in (round(mean_t), 2048):
        a = torch.randn(n, H, device=dev)
        reps = max(1, 20000 // n)
        t = _best_of(lambda a=a, reps=reps: [torch.nn.functional.linear(a, w)
                                               for _ in range(reps)]) / reps
        gflops = 2 * n * H * inter / t / 1e9
        rows.append(f"| bare GEMM {n}x{H}x{inter} | {n / t:.0f} rows/s | {gflops:.0f} GFLOP/s |")
    return rows


def threads_table(args) -> int:
    """`score-steps` wall time: torch's default threads vs the engine's default."""
    import json
    import os
    import subprocess
    import tempfile

    from prm.engine import default_threads

    recs = list(data.generate("heldout", args.n, seed=123))
    torch_default = torch.get_num_threads()  # this process has not set it: torch's own choice
    chosen = default_threads()
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(var, None)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        src.write_text("".join(json.dumps({"id": i, "problem": r["problem"],
                                           "steps": r["steps"]}) + "\n"
                               for i, r in enumerate(recs)))
        modes = {f"torch default ({torch_default} threads)": ["--threads", str(torch_default)],
                 f"engine default ({chosen} threads)": []}
        best: dict[str, float] = {}
        for _ in range(args.rounds):
            for name, extra in modes.items():
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "mathreward", "score-steps", str(src),
                                "-o", str(Path(tmp) / "out.jsonl"), "--device", "cpu",
                                *(["--prm", args.prm] if args.prm != str(BUNDLED_WEIGHTS)
                                  else []), *extra],
                               env=env, check=True, capture_output=True)
                best[name] = min(best.get(name, float("inf")), time.perf_counter() - t0)
    cores = len(os.sched_getaffinity(0))
    print(f"score-steps on {args.n} solutions, {cores} usable cores, best of {args.rounds} "
          f"interleaved rounds (process start and model load included)")
    print("| torch intra-op threads | seconds | solutions/s |\n|---|---:|---:|")
    for name, t in best.items():
        print(f"| {name} | {t:.1f} | {args.n / t:.0f} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prm", default=str(BUNDLED_WEIGHTS))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    defaults = PrmConfig()
    ap.add_argument("--max-batch-size", type=int, default=defaults.max_batch_size)
    ap.add_argument("--max-batch-tokens", type=int, default=defaults.max_batch_tokens)
    ap.add_argument("--max-pad-tokens", type=int, default=defaults.max_pad_tokens)
    ap.add_argument("--always-wait", action="store_true",
                    help="wait max_wait_ms for company even when the inference thread is idle")
    ap.add_argument("--rounds", type=int, default=3,
                    help="run every mode this many times, interleaved; report each one's best")
    ap.add_argument("--encode-processes", default="0",
                    help="comma-separated PrmConfig.encode_processes values to run the engine with")
    ap.add_argument("--random-7b", metavar="DIR", default=None,
                    help="build (if absent) and bench a random-weight checkpoint of "
                    "Qwen2.5-Math-PRM-7B's shape in DIR (~15 GB bf16; for --device cuda)")
    ap.add_argument("--threads-table", action="store_true",
                    help="only the score-steps table: torch's default threads vs the engine's")
    args = ap.parse_args(argv)
    if args.random_7b:
        from prm.testing import QWEN25_MATH_PRM_7B, build_hub_qwen_math_prm

        if not Path(args.random_7b, "config.json").is_file():
            build_hub_qwen_math_prm(args.random_7b, **QWEN25_MATH_PRM_7B)
        args.prm = args.random_7b
    if args.threads_table:
        return threads_table(args)
    torch.set_num_threads(args.threads)
    recs = list(data.generate("heldout", args.n, seed=123))
    items = [(r["problem"], r["steps"]) for r in recs]
    modes: list[tuple[str, Callable[[], tuple[float, int, int]]]] = [
        ("naive loop (1 per forward)", lambda: naive(args.prm, args.device, items))]
    for procs in (int(v) for v in args.encode_processes.split(",")):
        where = f", encode on {procs} processes" if procs else ""
        for c in (1, 8, 64):
            modes.append((f"engine, {c} concurrent{where}",
                          functools.partial(_engine_sync, args, items, c, procs)))
    # the machine is shared: every mode runs once per round, rounds interleave the modes, and
    # each mode keeps its fastest round (the one least disturbed by other tenants)
    best: dict[str, tuple[float, int, int]] = {}
    for _ in range(args.rounds):
        for name, run_mode in modes:
            res = run_mode()
            if name not in best or res[0] < best[name][0]:
                best[name] = res
    rows = [(name, t, s / t, k / t) for name, (t, s, k) in best.items()]
    base = rows[0][2]
    dev = resolve_device(args.device)
    print(f"PRM engine bench: {args.n} requests, model {args.prm}, device {dev}, "
          f"torch threads {args.threads}, max_batch_size {args.max_batch_size}, "
          f"max_batch_tokens {args.max_batch_tokens}, max_pad_tokens {args.max_pad_tokens}, "
          f"dispatch_when_idle {not args.always_wait}, best of {args.rounds} interleaved rounds")
    print("| mode | seconds | step scores/s | tokens/s | vs naive |\n|---|---:|---:|---:|---:|")
    for name, t, sps, tps in rows:
        print(f"| {name} | {t:.2f} | {sps:.0f} | {tps:.0f} | {sps / base:.2f}x |")
    ceil = ceiling(args.prm, args.device, items)
    print(f"\nCeiling: {ceil[0]}\n| what | throughput | FLOP rate |\n|---|---:|---:|")
    print("\n".join(ceil[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
