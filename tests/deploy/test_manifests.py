"""Offline checks of deploy/: the real manifests pass, and each checker catches the mistake it
exists for (a broken copy of the real manifests must fail).

    .venv/bin/pytest tests/deploy -q
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy" / "tools"))

import check  # noqa: E402
import k8s_checks  # noqa: E402
import promql  # noqa: E402
import render  # noqa: E402

BASE = ROOT / "deploy/k8s/base"


@pytest.fixture(scope="module")
def known() -> set[str]:
    pytest.importorskip("mathreward.metrics")
    return check.exported_metrics()


@pytest.fixture()
def base_docs() -> list[dict]:
    return render.render(BASE)


def _get(docs: list[dict], kind: str, name: str) -> dict:
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def _server(docs: list[dict], name: str) -> dict:
    return _get(docs, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]


def test_whole_deploy_tree_passes(tmp_path: Path) -> None:
    assert check.run(render_dir=tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "k8s_base.yaml", "k8s_monitoring.yaml", "k8s_overlays_cpu-only.yaml"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl to compare with")
@pytest.mark.parametrize("rel", check.KUSTOMIZATIONS)
def test_renderer_equals_kubectl_kustomize(rel: str) -> None:
    out = subprocess.run(["kubectl", "kustomize", str(ROOT / "deploy" / rel)],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    assert render.render(ROOT / "deploy" / rel) == [d for d in yaml.safe_load_all(out) if d]


def test_overlay_moves_prm_to_cpu() -> None:
    docs = render.render(ROOT / "deploy/k8s/overlays/cpu-only")
    prm = _server(docs, "mathreward-prm")
    assert "--prm-device=cpu" in prm["args"]
    assert "nvidia.com/gpu" not in prm["resources"]["limits"]
    assert _get(docs, "Deployment", "mathreward-verifier")["spec"]["replicas"] == 1
    assert prm["image"] == "ghcr.io/example/mathreward-prm:0.1.0"


def test_renderer_refuses_what_it_cannot_render(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\ncommonLabels: {a: b}\n")
    with pytest.raises(render.UnsupportedKustomization):
        render.render(tmp_path)


def test_json_patch_ops() -> None:
    doc = {"a": {"b": [1, 2]}, "c~d/e": 1}
    render.json_patch(doc, {"op": "add", "path": "/a/b/-", "value": 3})
    render.json_patch(doc, {"op": "replace", "path": "/a/b/0", "value": 9})
    render.json_patch(doc, {"op": "remove", "path": "/c~0d~1e"})
    assert doc == {"a": {"b": [9, 2, 3]}}
    with pytest.raises(KeyError):
        render.json_patch(doc, {"op": "remove", "path": "/missing"})


def test_strict_schema_rejects_unknown_field(base_docs: list[dict]) -> None:
    dep = copy.deepcopy(_get(base_docs, "Deployment", "mathreward-verifier"))
    kubernetes_validate.validate(dep, check.K8S_VERSION, strict=True)
    dep["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(dep, check.K8S_VERSION, strict=True)


def _problems_after(docs: list[dict], mutate) -> list[str]:
    assert k8s_checks.check_all(docs) == []
    mutate(docs)
    return k8s_checks.check_all(docs)


def test_checks_catch_a_clusterip_service(base_docs: list[dict]) -> None:
    def mutate(docs):
        del _get(docs, "Service", "mathreward-verifier")["spec"]["clusterIP"]
    assert any("not headless" in p for p in _problems_after(base_docs, mutate))


def test_checks_catch_short_termination_grace(base_docs: list[dict]) -> None:
    def mutate(docs):
        spec = _get(docs, "Deployment", "mathreward-verifier")["spec"]["template"]["spec"]
        spec["terminationGracePeriodSeconds"] = 20  # server grace 20 + preStop 5
    assert any("terminationGracePeriodSeconds" in p for p in _problems_after(base_docs, mutate))


def test_checks_catch_cpu_below_workers(base_docs: list[dict]) -> None:
    def mutate(docs):
        _server(docs, "mathreward-verifier")["args"][3] = "--workers=8"
    problems = _problems_after(base_docs, mutate)
    assert any("requests.cpu" in p for p in problems)
    assert any("limits.memory" in p for p in problems)


def test_checks_catch_exec_probe_and_missing_connection_age(base_docs: list[dict]) -> None:
    def mutate(docs):
        server = _server(docs, "mathreward-prm")
        server["readinessProbe"] = {"tcpSocket": {"port": 50051}}
        server["args"] = [a for a in server["args"] if "max-connection-age" not in a]
    problems = _problems_after(base_docs, mutate)
    assert any("readinessProbe is not a native gRPC probe" in p for p in problems)
    assert any("max-connection-age" in p for p in problems)


def test_checks_catch_gpu_device_mismatch(base_docs: list[dict]) -> None:
    def mutate(docs):
        del _server(docs, "mathreward-prm")["resources"]["limits"]["nvidia.com/gpu"]
    assert any("nvidia.com/gpu" in p for p in _problems_after(base_docs, mutate))


def test_checks_catch_dangling_selectors(base_docs: list[dict]) -> None:
    def mutate(docs):
        _get(docs, "HorizontalPodAutoscaler", "mathreward-verifier")["spec"][
            "scaleTargetRef"]["name"] = "nope"
        _get(docs, "PodDisruptionBudget", "mathreward-prm")["spec"]["selector"][
            "matchLabels"]["app.kubernetes.io/component"] = "gpu"
    problems = _problems_after(base_docs, mutate)
    assert any("scaleTargetRef" in p for p in problems)
    assert any("PodDisruptionBudget/mathreward-prm" in p for p in problems)


@pytest.mark.parametrize("expr, metrics", [
    ('sum by (pod) (rate(a_total{x="1", y=~"b|c"}[5m]))', {"a_total"}),
    ("histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))", {"h_bucket"}),
    ("a / on(pod) group_left(node) b > bool 0.5", {"a", "b"}),
    ("max_over_time(q[10m:1m] offset 1h) - -1", {"q"}),
    ("topk(3, sum without (pod) (c)) unless d", {"c", "d"}),
])
def test_promql_accepts(expr: str, metrics: set[str]) -> None:
    assert promql.metric_names(expr) == metrics


@pytest.mark.parametrize("expr", [
    "sum(rate(a[5m])", "rate(a[5x])", "nosuchfunction(a)", "a >", 'a{b="c"', "a{b}",
    "sum by (pod (a)", "5m", "a and or b",
])
def test_promql_rejects(expr: str) -> None:
    with pytest.raises(promql.PromQLError):
        promql.metric_names(expr)


def test_alert_checker_catches_bad_rules(known: set[str]) -> None:
    groups = yaml.safe_load(check.ALERTS.read_text())["groups"]
    assert check.check_alerts(groups, known) == []
    broken = copy.deepcopy(groups)
    rules = broken[0]["rules"]
    rules[0]["expr"] = "rate(mathreward_itemz_total[5m]) > 1"
    del rules[1]["labels"]["severity"]
    rules[2]["expr"] = rules[2]["expr"].replace("[5m]))", "[5m])", 1)
    rules[3]["annotations"]["summary"] = "{{ $labels.method }} rejects"
    problems = check.check_alerts(broken, known)
    assert any("mathreward_itemz_total" in p for p in problems)
    assert any("severity" in p for p in problems)
    assert any("PromQL" in p for p in problems)
    assert any("$labels.method" in p for p in problems)


def test_metric_names_come_from_the_server(known: set[str]) -> None:
    # The names the rules, the dashboard and the HPA depend on.
    assert {"grpc_server_handled_total", "grpc_server_handling_seconds_bucket",
            "mathreward_items_total", "mathreward_queue_depth",
            "mathreward_worker_restarts_total", "mathreward_build_info"} <= known


def test_dashboard_checker_catches_unknown_metric(tmp_path: Path, known: set[str]) -> None:
    board = (ROOT / "deploy/grafana/mathreward-dashboard.json").read_text()
    path = tmp_path / "board.json"
    path.write_text(board.replace("mathreward_items_total", "mathreward_item_total"))
    assert check.check_dashboard(ROOT / "deploy/grafana/mathreward-dashboard.json", known) == []
    assert any("mathreward_item_total" in p for p in check.check_dashboard(path, known))


BAD_DOCKERFILE = """FROM python:3.11-slim
COPY . /app
RUN pip install /app
ENTRYPOINT mathreward serve
"""


def test_dockerfile_checks_catch_a_bad_image(tmp_path: Path) -> None:
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text(BAD_DOCKERFILE)
    problems = check.check_dockerfile(bad)
    assert len(problems) == 4  # single stage, root, shell-form entrypoint, no ignore file
    for good in sorted((ROOT / "deploy/docker").glob("*.Dockerfile")):
        assert check.check_dockerfile(good) == []


def test_hadolint_passes_ours_and_fails_a_bad_one(tmp_path: Path) -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    ours = sorted(str(p) for p in (ROOT / "deploy/docker").glob("*.Dockerfile"))
    subprocess.run([hadolint, "--failure-threshold", "info", *ours], check=True, timeout=60)
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text(BAD_DOCKERFILE)
    result = subprocess.run([hadolint, str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "DL3025" in result.stdout  # shell-form ENTRYPOINT


def test_serve_flags_are_parsed_by_the_real_cli(base_docs: list[dict]) -> None:
    pytest.importorskip("mathreward.commands.serve")
    args = k8s_checks.server_args(base_docs)
    assert set(args) == {"Deployment/mathreward-verifier", "Deployment/mathreward-prm"}
    assert check.serve_flags_problems(args) == []
    args["Deployment/mathreward-prm"].append("--device=cuda")  # not a serve flag
    assert len(check.serve_flags_problems(args)) == 1
