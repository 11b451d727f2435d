"""Offline validation of everything under `deploy/` (the CI gate, with hadolint and
kubernetes-validate run by `scripts/validate_deploy.sh`):

    .venv/bin/python deploy/tools/check.py [--render-dir DIR] [--write-prometheusrule]

1. renders each kustomization (deploy/tools/render.py; compared with `kubectl kustomize` when that
   binary exists) and validates every object with kubernetes-validate's schemas, strict mode;
2. cross-reference and sizing rules on the manifests (deploy/tools/k8s_checks.py), and the
   server flags in them parsed by the real `mathreward serve` argument parser;
3. alert rules, the Prometheus-adapter rule and every Grafana panel: YAML/JSON shape, PromQL
   syntax (deploy/tools/promql.py), and every metric name read is one the server exports
   (mathreward/metrics.py) or a named external one (cAdvisor, `up`);
4. the PrometheusRule in deploy/k8s/monitoring carries exactly deploy/prometheus/alerts.yaml;
5. Dockerfile structure: multi-stage, non-root USER, exec-form ENTRYPOINT, weights kept out.
Exit status 1 with one line per problem; `--render-dir` also writes the rendered manifests there.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent.parent
sys.path[:0] = [str(TOOLS), str(ROOT)]

import k8s_checks  # noqa: E402
import promql  # noqa: E402
import render  # noqa: E402

DEPLOY = ROOT / "deploy"
KUSTOMIZATIONS = ("k8s/base", "k8s/overlays/cpu-only", "k8s/monitoring")
K8S_VERSION = "1.32.0"  # the oldest version the manifests promise (native sleep preStop: 1.30+)
ALERTS = DEPLOY / "prometheus/alerts.yaml"
PROMETHEUSRULE = DEPLOY / "k8s/monitoring/prometheusrule.yaml"
EXTERNAL_METRICS = {"up", "container_cpu_usage_seconds_total"}
SEVERITIES = {"critical", "warning", "info"}
GRAFANA_VARIABLES = re.compile(r"\$(__rate_interval|__interval|__range)\b")


def exported_metrics() -> set[str] | None:
    """Every sample name the server exports, from a fresh `ServiceMetrics` registry (None when
    this checkout has no mathreward/metrics.py yet: names are then not checked)."""
    try:
        from mathreward.metrics import ServiceMetrics
    except ModuleNotFoundError:
        print("deploy check: note: no mathreward.metrics; metric names not checked")
        return None

    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"),
                "gauge": ("",), "info": ("_info",), "summary": ("_sum", "_count", "")}
    names = set()
    for family in ServiceMetrics().registry.collect():
        names.update(family.name + s for s in suffixes.get(family.type, ("",)))
    return names


def check_promql(where: str, expr: str, known: set[str] | None) -> list[str]:
    try:
        used = promql.metric_names(expr)
    except promql.PromQLError as exc:
        return [f"{where}: PromQL: {exc}"]
    if known is None:
        return []
    unknown = used - known - EXTERNAL_METRICS
    return [f"{where}: metric {name!r} is not exported by the server" for name in sorted(unknown)]


def check_alerts(groups: Any, known: set[str] | None) -> list[str]:
    problems: list[str] = []
    if not isinstance(groups, list) or not groups:
        return ["alerts.yaml: no rule groups"]
    for group in groups:
        for i, rule in enumerate(group.get("rules", [])):
            where = f"alerts.yaml {group.get('name')}[{i}] {rule.get('alert', '?')}"
            missing = {"alert", "expr", "labels", "annotations"} - set(rule)
            if missing:
                problems.append(f"{where}: missing {sorted(missing)}")
                continue
            if rule["labels"].get("severity") not in SEVERITIES:
                problems.append(f"{where}: labels.severity must be one of {sorted(SEVERITIES)}")
            if not {"summary", "description"} <= set(rule["annotations"]):
                problems.append(f"{where}: annotations need summary and description")
            problems += check_promql(where, rule["expr"], known)
            # An annotation may only use labels the expression keeps (after an aggregation: the
            # ones it names; without one every label survives).
            text = " ".join(str(v) for v in rule["annotations"].values())
            aggregated = re.search(rf"\b({'|'.join(promql.AGGREGATIONS)})\b", rule["expr"])
            for label in re.findall(r"\$labels\.(\w+)", text) if aggregated else []:
                if not re.search(rf"\b{label}\b", rule["expr"]):
                    problems.append(f"{where}: annotation uses $labels.{label}, "
                                    "which the expression drops")
    return problems


def prometheus_rule(groups: list[Any]) -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
        "metadata": {"name": "mathreward", "labels": {
            "app.kubernetes.io/name": "mathreward", "app.kubernetes.io/part-of": "mathreward"}},
        "spec": {"groups": groups},
    }


def check_dashboard(path: Path, known: set[str] | None) -> list[str]:
    board = json.loads(path.read_text())
    problems, ids = [], set()
    for panel in board.get("panels", []):
        if panel["id"] in ids:
            problems.append(f"{path.name}: duplicate panel id {panel['id']}")
        ids.add(panel["id"])
        for target in panel.get("targets", []):
            expr = GRAFANA_VARIABLES.sub("5m", target["expr"])
            problems += check_promql(f"{path.name} panel {panel['title']!r}", expr, known)
    for var in board.get("templating", {}).get("list", []):
        if var.get("type") == "query":
            problems += check_promql(f"{path.name} variable {var['name']}",
                                     re.sub(r"label_values\((.*), *\w+\)$", r"\1",
                                            var["definition"]), known)
    return problems


def check_adapter(
    values: dict[str, Any], hpa_metrics: set[str], known: set[str] | None
) -> list[str]:
    problems, served = [], set()
    for i, rule in enumerate(values["rules"]["custom"]):
        where = f"adapter-values.yaml rule {i}"
        problems += check_promql(where, rule["seriesQuery"], known)
        series = sorted(promql.metric_names(rule["seriesQuery"]))[0]
        query = (rule["metricsQuery"].replace("<<.Series>>", series)
                 .replace("<<.LabelMatchers>>", 'namespace="mathreward"')
                 .replace("<<.GroupBy>>", "pod"))
        problems += check_promql(where, query, known)
        served.add(rule["name"]["as"])
    problems += [f"HPA metric {m!r} is served by no adapter rule" for m in hpa_metrics - served]
    return problems


def check_dockerfile(path: Path) -> list[str]:
    lines = re.sub(r"\\\n", " ", path.read_text()).splitlines()
    steps = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    problems = []
    if sum(s.upper().startswith("FROM ") for s in steps) < 2:
        problems.append(f"{path.name}: not multi-stage")
    users = [s.split()[1] for s in steps if s.upper().startswith("USER ")]
    if not users or users[-1].split(":")[0] in {"root", "0"}:
        problems.append(f"{path.name}: final stage must switch to a non-root USER")
    entry = [s for s in steps if s.upper().startswith("ENTRYPOINT ")]
    if not entry or not entry[-1].split(None, 1)[1].startswith("["):
        problems.append(f"{path.name}: ENTRYPOINT must be exec form (JSON array)")
    ignore = Path(f"{path}.dockerignore")
    if not ignore.exists() or "prm/weights/" not in ignore.read_text().split():
        problems.append(f"{path.name}: {ignore.name} must exclude prm/weights/ (mount weights)")
    return problems


def dockerfile_cmd(path: Path) -> list[str]:
    """The `mathreward serve` flags an image runs with by default: those in the exec-form
    ENTRYPOINT after `serve`, then the CMD."""
    text = re.sub(r"\\\n", " ", path.read_text())

    def last(instruction: str) -> list[str]:
        found = [ln.split(None, 1)[1] for ln in text.splitlines() if ln.startswith(instruction)]
        return json.loads(found[-1]) if found else []

    entry = last("ENTRYPOINT ")
    fixed = entry[entry.index("serve") + 1:] if "serve" in entry else []
    return fixed + last("CMD ")


def serve_flags_problems(args_by_name: dict[str, list[str]]) -> list[str]:
    """Parse each Deployment's args with the real `mathreward serve` parser."""
    from mathreward.cli import build_parser

    parser, problems = build_parser(), []
    commands = next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "serve" not in commands:
        print("deploy check: note: no `mathreward serve` command yet; flags not checked")
        return []
    for name, args in args_by_name.items():
        try:
            with contextlib.redirect_stderr(io.StringIO()) as err:
                parser.parse_args(["serve", *args])
        except SystemExit:
            reason = err.getvalue().strip().splitlines()[-1:]
            problems.append(f"{name}: `mathreward serve` rejects its args: {reason}")
    return problems


def render_all(render_dir: Path | None) -> tuple[list[dict[str, Any]], list[str]]:
    docs, problems = [], []
    kubectl = shutil.which("kubectl")
    for rel in KUSTOMIZATIONS:
        rendered = render.render(DEPLOY / rel)
        if kubectl:
            out = subprocess.run([kubectl, "kustomize", str(DEPLOY / rel)], capture_output=True,
                                 text=True, timeout=60, check=True).stdout
            if [d for d in yaml.safe_load_all(out) if d] != rendered:
                problems.append(f"{rel}: render.py output differs from `kubectl kustomize`")
        for doc in rendered:
            try:
                kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                pass  # CRDs (ServiceMonitor, PrometheusRule): checked by the rules below
            except kubernetes_validate.ValidationError as exc:
                problems.append(f"{rel} {doc['kind']}/{doc['metadata']['name']}: {exc.message}")
        problems += [f"{rel}: {p}" for p in k8s_checks.check_all(rendered)]
        if render_dir is not None:
            render_dir.mkdir(parents=True, exist_ok=True)
            (render_dir / (rel.replace("/", "_") + ".yaml")).write_text(render.dump(rendered))
        docs += rendered
    # The ServiceMonitor (monitoring) selects the Services of the base: check them together.
    problems += k8s_checks.check_monitors(docs)
    return docs, problems


def run(render_dir: Path | None = None, write_rule: bool = False) -> list[str]:
    known = exported_metrics()
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    if write_rule:
        header = "# Generated from deploy/prometheus/alerts.yaml by deploy/tools/check.py.\n"
        PROMETHEUSRULE.write_text(header + yaml.safe_dump(prometheus_rule(groups),
                                                          sort_keys=False, width=100))
    docs, problems = render_all(render_dir)
    problems += check_alerts(groups, known)
    if yaml.safe_load(PROMETHEUSRULE.read_text()) != prometheus_rule(groups):
        problems.append("prometheusrule.yaml differs from alerts.yaml: rerun with "
                        "--write-prometheusrule")
    problems += check_dashboard(DEPLOY / "grafana/mathreward-dashboard.json", known)
    adapter = yaml.safe_load((DEPLOY / "prometheus/adapter-values.yaml").read_text())
    problems += check_adapter(adapter, k8s_checks.hpa_pod_metrics(docs), known)
    scrape = yaml.safe_load((DEPLOY / "prometheus/scrape-config.yaml").read_text())
    for rule_file in scrape.get("rule_files", []):
        if not (DEPLOY / "prometheus" / rule_file).exists():
            problems.append(f"scrape-config.yaml: rule file {rule_file} missing")
    serve_args = k8s_checks.server_args(docs)
    for dockerfile in sorted((DEPLOY / "docker").glob("*.Dockerfile")):
        problems += check_dockerfile(dockerfile)
        serve_args[dockerfile.name + " CMD"] = dockerfile_cmd(dockerfile)
    problems += serve_flags_problems(serve_args)
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--render-dir", type=Path, help="write rendered manifests here")
    parser.add_argument("--write-prometheusrule", action="store_true",
                        help="regenerate deploy/k8s/monitoring/prometheusrule.yaml first")
    args = parser.parse_args()
    problems = run(args.render_dir, args.write_prometheusrule)
    for problem in problems:
        print(f"deploy check: {problem}", file=sys.stderr)
    print(f"deploy check: {'FAILED' if problems else 'ok'} ({len(problems)} problems)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
