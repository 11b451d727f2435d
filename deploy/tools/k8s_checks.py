"""What `kubernetes-validate` cannot see: the rendered manifests' cross-references and the
operational rules of issue 7, each a function returning a list of problems (empty = fine).

    .venv/bin/python deploy/tools/check.py      # runs these on every kustomization

Rules: Services are headless and select pods that have the named target ports; PDBs, the HPA and
the ServiceMonitor point at things that exist; every server container has native gRPC
startup/readiness/liveness probes on its gRPC port; `--max-connection-age-ms` is set; the
termination grace outlasts the server's own drain plus the preStop pause; CPU requests cover the
worker processes and the memory limit covers every worker at its RLIMIT_AS cap; pods run as
non-root; `--prm-device=cuda` and an `nvidia.com/gpu` limit come together.
"""

from __future__ import annotations

import re
from typing import Any

Doc = dict[str, Any]

SERVER_CONTAINER = "server"
# The server process itself (event loop, gRPC, serialisation) needs CPU beside the workers.
SERVER_CPU_CORES = 0.5
SERVER_MEMORY_MIB = 1024


def flag(args: list[str], name: str) -> str | None:
    """Value of `--name=value` / `--name value` in a container's args, else None."""
    for i, arg in enumerate(args):
        if arg == f"--{name}" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return None


def cpu_cores(quantity: str) -> float:
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def mebibytes(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "Ti": 1024**2, "K": 1e3 / 2**20,
             "M": 1e6 / 2**20, "G": 1e9 / 2**20}
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]i?)?", quantity)
    if not match:
        raise ValueError(f"memory quantity {quantity!r}")
    return float(match.group(1)) * (units[match.group(2)] if match.group(2) else 1 / 2**20)


def _of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [doc for doc in docs if doc.get("kind") == kind]


def _name(doc: Doc) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


def _pods_matching(docs: list[Doc], selector: dict[str, str]) -> list[Doc]:
    """Deployments whose pod template labels include every selector pair."""
    return [
        dep for dep in _of_kind(docs, "Deployment")
        if selector and selector.items() <= dep["spec"]["template"]["metadata"]["labels"].items()
    ]


def _container_ports(deployment: Doc) -> set[str]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    return {port.get("name", "") for c in containers for port in c.get("ports", [])}


def check_services(docs: list[Doc]) -> list[str]:
    problems = []
    for svc in _of_kind(docs, "Service"):
        spec = svc["spec"]
        if spec.get("clusterIP") != "None":
            problems.append(f"{_name(svc)}: not headless (clusterIP: None) - gRPC channels "
                            "would stick to one pod")
        targets = _pods_matching(docs, spec.get("selector", {}))
        if not targets:
            problems.append(f"{_name(svc)}: selector matches no Deployment's pods")
        for port in spec.get("ports", []):
            for dep in targets:
                if port.get("targetPort") not in _container_ports(dep):
                    problems.append(f"{_name(svc)}: targetPort {port.get('targetPort')!r} is "
                                    f"not a named port of {_name(dep)}")
    return problems


def check_selectors(docs: list[Doc]) -> list[str]:
    problems = []
    for pdb in _of_kind(docs, "PodDisruptionBudget"):
        if not _pods_matching(docs, pdb["spec"]["selector"].get("matchLabels", {})):
            problems.append(f"{_name(pdb)}: selector matches no Deployment's pods")
    deployments = {dep["metadata"]["name"] for dep in _of_kind(docs, "Deployment")}
    for hpa in _of_kind(docs, "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        if ref["kind"] != "Deployment" or ref["name"] not in deployments:
            problems.append(f"{_name(hpa)}: scaleTargetRef {ref['kind']}/{ref['name']} not found")
    return problems


def check_monitors(docs: list[Doc]) -> list[str]:
    """Each ServiceMonitor endpoint names a port of a Service it selects."""
    problems, services = [], _of_kind(docs, "Service")
    for monitor in _of_kind(docs, "ServiceMonitor"):
        wanted = monitor["spec"]["selector"].get("matchLabels", {})
        hits = [s for s in services if wanted.items() <= s["metadata"].get("labels", {}).items()]
        ports = {p.get("name") for s in hits for p in s["spec"].get("ports", [])}
        for endpoint in monitor["spec"]["endpoints"]:
            if endpoint.get("port") not in ports:
                problems.append(f"{_name(monitor)}: no selected Service has port "
                                f"{endpoint.get('port')!r}")
    return problems


def hpa_pod_metrics(docs: list[Doc]) -> set[str]:
    """Custom per-pod metric names the HPAs ask the Prometheus adapter for."""
    return {
        metric["pods"]["metric"]["name"]
        for hpa in _of_kind(docs, "HorizontalPodAutoscaler")
        for metric in hpa["spec"].get("metrics", [])
        if metric["type"] == "Pods"
    }


def _server(deployment: Doc) -> dict[str, Any] | None:
    for container in deployment["spec"]["template"]["spec"]["containers"]:
        if container["name"] == SERVER_CONTAINER:
            return container
    return None


def check_probes(dep: Doc, server: dict[str, Any]) -> list[str]:
    grpc_ports = [p["containerPort"] for p in server.get("ports", []) if p.get("name") == "grpc"]
    problems = []
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        spec = server.get(probe, {})
        if "grpc" not in spec:
            problems.append(f"{_name(dep)}: {probe} is not a native gRPC probe")
        elif spec["grpc"].get("port") not in grpc_ports:
            problems.append(f"{_name(dep)}: {probe} port is not the container's grpc port")
    return problems


def check_sizing(dep: Doc, server: dict[str, Any]) -> list[str]:
    args, problems = server.get("args", []), []
    resources = server.get("resources", {})
    workers = int(flag(args, "workers") or 0)
    cpu = cpu_cores(str(resources.get("requests", {}).get("cpu", "0")))
    if workers and cpu < workers + SERVER_CPU_CORES:
        problems.append(f"{_name(dep)}: requests.cpu {cpu} < {workers} workers + "
                        f"{SERVER_CPU_CORES} for the server")
    memory_cap = float(flag(args, "memory-limit-mb") or 0)
    limit = resources.get("limits", {}).get("memory")
    if workers and memory_cap:
        needed = workers * memory_cap + SERVER_MEMORY_MIB
        if limit is None or mebibytes(str(limit)) < needed:
            problems.append(f"{_name(dep)}: limits.memory {limit} < {workers} workers x "
                            f"{memory_cap:g} MiB + {SERVER_MEMORY_MIB} MiB")
    gpu = "nvidia.com/gpu" in resources.get("limits", {})
    device = flag(args, "prm-device") or "auto"
    if device.startswith("cuda") != gpu:
        problems.append(f"{_name(dep)}: --prm-device={device} but nvidia.com/gpu limit "
                        f"{'present' if gpu else 'absent'}")
    return problems


def check_lifecycle(dep: Doc, server: dict[str, Any]) -> list[str]:
    args, problems = server.get("args", []), []
    pod = dep["spec"]["template"]["spec"]
    if flag(args, "max-connection-age-ms") is None:
        problems.append(f"{_name(dep)}: --max-connection-age-ms unset: trainers never "
                        "re-resolve and new pods get no traffic")
    grace = float(flag(args, "grace-period") or 20.0)
    drain = float(flag(args, "drain-delay") or 0.0)
    pause = server.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    total = pod.get("terminationGracePeriodSeconds", 30)
    if total <= grace + drain + pause:
        problems.append(f"{_name(dep)}: terminationGracePeriodSeconds {total} <= server grace "
                        f"{grace:g} + drain {drain:g} + preStop {pause}")
    context = pod.get("securityContext", {})
    if not context.get("runAsNonRoot") or context.get("runAsUser", 0) == 0:
        problems.append(f"{_name(dep)}: pod must run as a non-root user")
    return problems


def check_deployments(docs: list[Doc]) -> list[str]:
    problems = []
    for dep in _of_kind(docs, "Deployment"):
        server = _server(dep)
        if server is None:
            problems.append(f"{_name(dep)}: no container named {SERVER_CONTAINER!r}")
            continue
        problems += check_probes(dep, server)
        problems += check_sizing(dep, server)
        problems += check_lifecycle(dep, server)
    return problems


def server_args(docs: list[Doc]) -> dict[str, list[str]]:
    """Deployment name -> the server container's args (for a real `mathreward serve` parse)."""
    out = {}
    for dep in _of_kind(docs, "Deployment"):
        server = _server(dep)
        if server is not None:
            out[_name(dep)] = list(server.get("args", []))
    return out


def check_all(docs: list[Doc]) -> list[str]:
    return check_services(docs) + check_selectors(docs) + check_deployments(docs)
