"""Offline kustomize renderer for the subset of kustomize that `deploy/k8s/` uses.

    .venv/bin/python deploy/tools/render.py deploy/k8s/overlays/cpu-only > rendered.yaml

CI has no cluster and may have no `kubectl`/`kustomize` binary, yet must validate what
`kubectl apply -k` would apply. The manifests therefore stick to features this file implements
exactly: `resources` (files and directories), `namespace`, `images`, `replicas` and `patches` with
JSON 6902 operations. Anything else (generators, label transformers, strategic-merge patches)
raises `UnsupportedKustomization` instead of rendering something different from kustomize.
`tests/deploy/test_manifests.py` compares the output with `kubectl kustomize` where it exists.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]

SUPPORTED_FIELDS = {"apiVersion", "kind", "resources", "namespace", "images", "replicas", "patches"}
# Kinds that live outside namespaces: the namespace transformer leaves them alone.
CLUSTER_SCOPED = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "PersistentVolume", "StorageClass", "PriorityClass", "APIService",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
}
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
# kustomize's "legacy" output order (kinds first in this order, the rest after, by name).
KIND_ORDER = [
    "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
    "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret",
    "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume",
    "PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
]


class UnsupportedKustomization(ValueError):
    """The kustomization uses a feature this renderer does not implement."""


def render(directory: str | Path) -> list[Doc]:
    """Render the kustomization in `directory` to a list of manifests (kustomize's order)."""
    docs = _build(Path(directory))
    return sorted(docs, key=_sort_key)


def dump(docs: list[Doc]) -> str:
    return yaml.safe_dump_all(docs, sort_keys=True, default_flow_style=False)


def _sort_key(doc: Doc) -> tuple[int, str, str, str]:
    kind = doc.get("kind", "")
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    meta = doc.get("metadata", {})
    return rank, kind, meta.get("namespace", ""), meta.get("name", "")


def _build(directory: Path) -> list[Doc]:
    kfile = directory / "kustomization.yaml"
    spec = yaml.safe_load(kfile.read_text())
    unknown = set(spec) - SUPPORTED_FIELDS
    if unknown:
        raise UnsupportedKustomization(f"{kfile}: unsupported fields {sorted(unknown)}")
    docs: list[Doc] = []
    for entry in spec.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            docs.extend(_build(path))
        else:
            docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    for patch in spec.get("patches", []):
        _apply_patch(docs, patch, directory)
    for rule in spec.get("replicas", []):
        _set_replicas(docs, rule)
    for rule in spec.get("images", []):
        _set_image(docs, rule)
    if "namespace" in spec:
        for doc in docs:
            if doc.get("kind") not in CLUSTER_SCOPED:
                doc.setdefault("metadata", {})["namespace"] = spec["namespace"]
    return docs


def _matches(doc: Doc, target: dict[str, str]) -> bool:
    group, _, version = doc.get("apiVersion", "").rpartition("/")
    meta = doc.get("metadata", {})
    wanted = {
        "group": group, "version": version, "kind": doc.get("kind"),
        "name": meta.get("name"), "namespace": meta.get("namespace"),
    }
    if set(target) - set(wanted):
        raise UnsupportedKustomization(f"patch target fields {sorted(set(target) - set(wanted))}")
    return all(wanted[key] == value for key, value in target.items())


def _apply_patch(docs: list[Doc], patch: dict[str, Any], directory: Path) -> None:
    text = patch["patch"] if "patch" in patch else (directory / patch["path"]).read_text()
    ops = yaml.safe_load(text)
    if not isinstance(ops, list):
        raise UnsupportedKustomization("only JSON 6902 patches (a list of operations)")
    hits = [doc for doc in docs if _matches(doc, patch.get("target", {}))]
    if not hits:
        raise UnsupportedKustomization(f"patch target {patch.get('target')} matches nothing")
    for doc in hits:
        for op in ops:
            json_patch(doc, op)


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise ValueError(f"JSON pointer must start with '/': {path!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _child(node: Any, key: str) -> Any:
    return node[int(key)] if isinstance(node, list) else node[key]


def json_patch(doc: Doc, op: dict[str, Any]) -> None:
    """Apply one RFC 6902 operation (add, remove, replace, test) to `doc` in place."""
    *parents, last = _pointer(op["path"])
    node: Any = doc
    for key in parents:
        node = _child(node, key)
    kind = op["op"]
    if kind == "test":
        if _child(node, last) != op["value"]:
            raise ValueError(f"test failed at {op['path']}")
    elif kind == "remove":
        _child(node, last)  # KeyError/IndexError if absent, as RFC 6902 requires
        del node[int(last) if isinstance(node, list) else last]
    elif kind == "replace":
        _child(node, last)
        node[int(last) if isinstance(node, list) else last] = copy.deepcopy(op["value"])
    elif kind == "add":
        value = copy.deepcopy(op["value"])
        if isinstance(node, list):
            node.insert(len(node) if last == "-" else int(last), value)
        else:
            node[last] = value
    else:
        raise UnsupportedKustomization(f"JSON patch op {kind!r}")


def _set_replicas(docs: list[Doc], rule: dict[str, Any]) -> None:
    for doc in docs:
        if doc.get("kind") in POD_TEMPLATE_KINDS and doc["metadata"]["name"] == rule["name"]:
            doc["spec"]["replicas"] = rule["count"]


def _containers(doc: Doc) -> list[dict[str, Any]]:
    if doc.get("kind") not in POD_TEMPLATE_KINDS:
        return []
    pod = doc["spec"]["template"]["spec"]
    return list(pod.get("containers", [])) + list(pod.get("initContainers", []))


def _set_image(docs: list[Doc], rule: dict[str, str]) -> None:
    for doc in docs:
        for container in _containers(doc):
            image = container.get("image", "")
            name, tag = _split_image(image)
            if name != rule["name"]:
                continue
            new_name = rule.get("newName", name)
            if "digest" in rule:
                container["image"] = f"{new_name}@{rule['digest']}"
            else:
                new_tag = rule.get("newTag", tag)
                container["image"] = f"{new_name}{new_tag and ':' + new_tag}"


def _split_image(image: str) -> tuple[str, str]:
    """'repo/name:tag' -> ('repo/name', 'tag'); a ':' before the last '/' is a registry port."""
    if "@" in image:
        return image.split("@", 1)[0], ""
    head, sep, tail = image.rpartition(":")
    if sep and "/" not in tail:
        return head, tail
    return image, ""


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: render.py KUSTOMIZATION_DIR")
    sys.stdout.write(dump(render(sys.argv[1])))
