#!/usr/bin/env bash
# Start the service with the bundled PRM (CPU when no GPU). Extra args go to `mathreward serve`.
# Usage: bash scripts/serve.sh [--port 50051] [--metrics-port 9090] [--workers N] ...
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/mathreward serve "$@"
