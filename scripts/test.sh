#!/usr/bin/env bash
# The test command (README): installs everything into .venv, checks lint and generated code, runs
# the whole test suite. Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/lint-imports --no-cache  # the import rules in pyproject.toml [tool.importlinter]
if [ -x scripts/gen_protos.sh ]; then
  bash scripts/gen_protos.sh --check
fi
if [ -x scripts/validate_deploy.sh ]; then
  bash scripts/validate_deploy.sh
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
