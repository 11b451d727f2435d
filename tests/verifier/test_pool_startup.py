"""A lean start: the service process never imports sympy, workers start when an item needs one,
and what the service process decides itself is exactly what the grader decides.

Run: .venv/bin/pytest tests/verifier/test_pool_startup.py -q
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest

from verifier import pool as pool_module
from verifier.extract import extract
from verifier.pool import PoolConfig, VerifierPool
from verifier.types import VerifyItem, VerifyOptions
from verifier.verify import verify

OPTIONS = VerifyOptions()
# What the child reports: the heavy modules it holds after running `code`.
_REPORT = (
    "import json, sys\n"
    "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
    "('sympy', 'latex2sympy2_extended', 'math_verify', 'torch', 'grpc'))\n"
    "print(json.dumps(heavy))\n"
)


def _heavy_modules_after(code: str) -> list[str]:
    """Run `code` in a fresh interpreter (a real subprocess) and list the heavy modules loaded."""
    done = subprocess.run(
        [sys.executable, "-c", code + "\n" + _REPORT],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _worker_pids() -> set[int]:
    return {p.pid for p in multiprocessing.active_children() if p.name == "pebble_pool_worker"}


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def test_importing_the_verify_command_and_the_pool_loads_no_sympy():
    code = (
        "import mathreward.commands.verify, mathreward.cli, verifier, verifier.pool\n"
        "mathreward.cli.build_parser('verify')\n"
    )
    assert _heavy_modules_after(code) == []


def test_verify_command_on_plain_numbers_runs_without_sympy_or_workers(tmp_path: Path):
    """Plain numbers are decided in the command's own process: no worker, no sympy anywhere."""
    rows = [
        {"id": 1, "gold": "42", "response": r"so the answer is \boxed{42}"},
        {"id": 2, "gold": r"\frac{3}{4}", "response": r"\boxed{\frac{6}{8}}"},
        {"id": 3, "gold": "0.5", "response": "The answer is 0.50."},
        {"id": 4, "gold": "7", "response": r"\boxed{8}"},
    ]
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_jsonl(source, rows)
    code = (
        "import multiprocessing\n"
        "from mathreward.cli import main\n"
        f"assert main(['verify', {str(source)!r}, '-o', {str(out)!r}]) == 0\n"
        "assert not multiprocessing.active_children(), multiprocessing.active_children()\n"
    )
    assert _heavy_modules_after(code) == []
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["correct"] for r in results] == [True, True, True, False]
    assert {r["reason"] for r in results} == {"exact rational comparison"}


def test_verify_command_starts_a_worker_only_for_items_that_need_one(tmp_path: Path):
    """An expression needs sympy: the command's process still never imports it (its worker
    does), and the mixed file is graded in input order."""
    rows = [
        {"id": 1, "gold": "42", "response": r"\boxed{42}"},
        {"id": 2, "gold": r"2\sqrt{3}", "response": r"\boxed{\sqrt{12}}"},
        {"id": 3, "gold": "x^2+2x+1", "response": r"\boxed{(x+1)^2}"},
        {"id": 4, "gold": r"\frac{\pi}{3}", "response": r"\boxed{60}"},
    ]
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_jsonl(source, rows)
    code = (
        "from mathreward.cli import main\n"
        "if __name__ == '__main__':\n"
        f"    assert main(['verify', {str(source)!r}, '-o', {str(out)!r}]) == 0\n"
    )
    assert _heavy_modules_after(code) == []
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == [1, 2, 3, 4]
    assert [r["correct"] for r in results] == [True, True, True, False]
    assert results[1]["reason"] != "exact rational comparison"  # graded by the worker


def test_lazy_pool_starts_its_workers_with_the_first_item_that_needs_one():
    others = _worker_pids()  # other pools' workers in this test session
    config = PoolConfig(workers=1, lazy=True, cache_size=0)
    with VerifierPool(config) as pool:
        plain = [VerifyItem(str(i), f"\\boxed{{{i}}}", str(i)) for i in range(50)]
        assert all(r.correct for r in pool.verify_many(plain, OPTIONS))
        assert _worker_pids() == others  # decided here: still no worker
        assert pool.live_workers == 0
        results = pool.verify_many([VerifyItem("e", r"\boxed{\sqrt{12}}", r"2\sqrt3")], OPTIONS)
        assert results[0].correct
        assert len(_worker_pids() - others) == 1
        assert pool.live_workers == 1


PARITY = [
    (r"\boxed{42}", "42"),
    (r"\boxed{42}", "43"),
    (r"\boxed{-7}", "-7"),
    (r"\boxed{0.50}", r"\frac12"),
    (r"\boxed{0.50}", r"\frac{1}{2}"),
    (r"\boxed{\dfrac{6}{8}}", r"\tfrac{3}{4}"),
    (r"\boxed{\frac{1}{0}}", "1"),
    ("The answer is 12.", "12"),
    ("The answer is 12.", "$12$"),
    ("Answer: 5", r"\boxed{5}"),
    (r"<think>\boxed{5}</think> \boxed{6}", "6"),
    (r"<think>\boxed{5}", "5"),
    (r"\boxed{5.}", "5"),
    (r"\boxed{ 5 }", " 5 "),
    (r"\boxed{$5$}", "5"),
    (r"\boxed{" + "9" * 300 + "}", "9" * 300),
    (r"\boxed{" + "9" * 301 + "}", "9" * 301),
    (r"\boxed{5}", "5" + " " * 3000),
    (r"\boxed{5}", "{" * 70 + "5" + "}" * 70),
    (r"\boxed{1,000}", "1000"),
    (r"\boxed{50\%}", "50"),
    (r"\boxed{x}", "5"),
]


@pytest.mark.parametrize(
    "options",
    [OPTIONS, VerifyOptions(rel_tol=1e-6), VerifyOptions(require_think=True),
     VerifyOptions(percent_as_fraction=True), VerifyOptions(extraction="lenient")],
)
@pytest.mark.parametrize(("response", "gold"), PARITY)
def test_what_the_service_process_decides_is_what_the_grader_decides(response, gold, options):
    item = VerifyItem("p", response, gold)
    found = extract(response, options)
    decided = pool_module._decide_plain(item, found.answer, found.rule, options)
    if decided is None:
        return  # left to a worker, which runs verify() itself
    expected = verify(response, gold, options)
    assert dataclasses.replace(decided, elapsed_s=0.0) == dataclasses.replace(
        expected, elapsed_s=0.0
    )


def test_plain_items_are_decided_in_the_service_process():
    """The parity test above must not pass vacuously: most plain rows are decided here."""
    decided = [
        pool_module._decide_plain(VerifyItem("p", r, g), found.answer, found.rule, OPTIONS)
        for r, g in PARITY
        for found in [extract(r, OPTIONS)]
    ]
    assert sum(d is not None for d in decided) >= 10
