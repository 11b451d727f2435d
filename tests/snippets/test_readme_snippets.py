"""The README's Python snippet runs as written against a real server with the bundled PRM.

The snippet is extracted from README.md at test time (so an edit that breaks it fails here); the
only change made to it is the address, `localhost:50051` -> the test server's free port. It runs in
a fresh interpreter, as a user would paste it.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

engine_module = pytest.importorskip("prm.engine", reason="the PRM engine (prm extra) is absent")

ROOT = Path(__file__).resolve().parents[2]


def python_snippets(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, re.S)


def test_readme_python_snippet_runs_as_written(make_server) -> None:
    snippets = python_snippets((ROOT / "README.md").read_text())
    assert snippets, "README.md has no python snippet"
    config = dataclasses.replace(engine_module.PrmConfig(), device="cpu")  # the bundled model
    srv = make_server(engine=engine_module.PrmEngine(config), prm=config)
    for snippet in snippets:
        code = snippet.replace("localhost:50051", srv.address)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=120, cwd=ROOT)
        assert done.returncode == 0, done.stderr[-3000:]
        # What the comments in the snippet promise.
        assert "Verdict.CORRECT" in done.stdout
        assert re.search(r"^INCORRECT \(\d\.\d+, \d\.\d+\) 1\.0$", done.stdout, re.M), done.stdout
