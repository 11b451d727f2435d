#!/usr/bin/env bash
# Offline validation of deploy/ (called by scripts/test.sh; needs no cluster, no Docker, no network):
#   1. deploy/tools/check.py: render every kustomization (compared with `kubectl kustomize` when
#      installed), kubernetes-validate schemas (strict) per object, cross-reference and sizing
#      rules, serve flags parsed by the real CLI, PromQL of alerts/dashboard/adapter, metric names
#      against mathreward/metrics.py, PrometheusRule == alerts.yaml, Dockerfile structure;
#   2. the kubernetes-validate CLI, --strict, on the rendered files;
#   3. hadolint on the Dockerfiles (every finding, down to "info", fails).
# Usage: bash scripts/validate_deploy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rendered=$(mktemp -d)
trap 'rm -rf "$rendered"' EXIT
.venv/bin/python deploy/tools/check.py --render-dir "$rendered"
# CRDs (ServiceMonitor, PrometheusRule) have no bundled schema: kubernetes-validate warns and
# passes them; check.py covers them.
.venv/bin/kubernetes-validate --strict --quiet --no-warn -k 1.32.0 "$rendered"/*.yaml
.venv/bin/hadolint --failure-threshold info deploy/docker/*.Dockerfile
echo "validate_deploy: ok"
