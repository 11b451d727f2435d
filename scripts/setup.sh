#!/usr/bin/env bash
# Create .venv and install mathreward with every extra. Idempotent: reruns only what changed.
# Usage: bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.mathreward-installed
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
.venv/bin/python -m pip install -q --upgrade pip
# torch first, pinned: a CPU build of 2.13.0 lies on this machine's disk; an unpinned torch pulled in
# by another package would download a multi-GB CUDA build instead. On a GPU machine, install the
# CUDA torch you want before running this script and the pin below is skipped.
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  .venv/bin/python -m pip install -q "torch==2.13.0"
fi
.venv/bin/python -m pip install -q -e ".[prm,bench,trainers,trainers-test,dev]"
# The trainers' own code for tests/trainers (docs/trainers.md): OpenRLHF and veRL without their
# GPU stacks (--no-deps: no vLLM, DeepSpeed, flash-attn, wandb); the modules their reward paths
# import come with the trainers-test extra above (found by importing them). Their transformers
# pins are not met on purpose: TRL's transformers is used.
.venv/bin/python -m pip install -q --no-deps "openrlhf==0.11.2" "verl==0.9.1"
echo "$want" > "$stamp"
