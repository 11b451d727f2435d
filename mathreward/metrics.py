"""Prometheus metrics of the service, on their own registry (never the global default one).

`ServiceMetrics` owns a `CollectorRegistry` and every metric; the server passes it by
constructor to the servicer, the interceptor and the verifier pool (as its `PoolObserver`).
Worker processes record nothing themselves: the pool reports each result and each worker restart
to the observer in the parent process, so counts add up exactly without multiprocess mode.

Metric names (Prometheus rules and dashboards rely on them):

    grpc_server_started_total{grpc_service,grpc_method,grpc_type}
    grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}
    grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type,grpc_code}   histogram
    mathreward_items_total{verdict}                 verifier items by verdict
    mathreward_item_cache_hits_total                items answered from the pool's cache
    mathreward_item_seconds                         per-item grading time in a worker (histogram)
    mathreward_batch_size{method}                   items per request (histogram)
    mathreward_queue_depth{queue}                   items queued + running ("verifier", "prm")
    mathreward_inflight_items{method}               items of RPCs in progress
    mathreward_prm_items_total{status}              PRM items by step status
    mathreward_worker_restarts_total{reason}        timeout|memory|crash|recycle|unresponsive
    mathreward_workers_live                         verifier workers alive and responsive
    mathreward_rejections_total{reason}             requests refused, by ErrorInfo reason
    mathreward_adapter_unlocated_total              trainer responses not found in the query
    mathreward_build_info{version,python,grpc}      always 1

Every labelled counter that a dashboard or an alert reads (deploy/grafana, deploy/prometheus) is
created at 0 for each of its known label sets at start-up, so `rate()` and `increase()` see the
series from the first scrape instead of an absent one (an alert on an absent series never fires).
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from importlib import metadata

import grpc
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from verifier.types import Result, Verdict

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                    30.0, 60.0)
_ITEM_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192)

# The known label values, created at 0 at start-up (module docstring).
PRM_STATUSES = ("ok", "too_long", "no_steps", "error", "timeout")  # = pb StepStatus, lower case
WORKER_RESTART_REASONS = ("timeout", "memory", "crash", "recycle")
# StatusCode names the interceptor records; pre-created for every RPC of the service.
_GRPC_CODES = tuple(code.name for code in grpc.StatusCode)


def _package_version() -> str:
    try:
        return metadata.version("mathreward")
    except metadata.PackageNotFoundError:
        return "unknown"


class ServiceMetrics:
    """Every metric of one server, registered on `self.registry`. Implements `PoolObserver`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        rpc_labels = ("grpc_service", "grpc_method", "grpc_type")
        reg = self.registry
        self.started = Counter("grpc_server_started_total", "RPCs started on the server.",
                               rpc_labels, registry=reg)
        self.handled = Counter("grpc_server_handled_total", "RPCs completed, by status code.",
                               (*rpc_labels, "grpc_code"), registry=reg)
        self.handling_seconds = Histogram(
            "grpc_server_handling_seconds", "RPC wall time until the status, by status code.",
            (*rpc_labels, "grpc_code"), buckets=_LATENCY_BUCKETS, registry=reg)
        self.items = Counter("mathreward_items_total", "Verifier items graded, by verdict.",
                             ("verdict",), registry=reg)
        self.cache_hits = Counter("mathreward_item_cache_hits_total",
                                  "Verifier items answered from the pool's result cache.",
                                  registry=reg)
        self.item_seconds = Histogram("mathreward_item_seconds",
                                      "Per-item grading wall time inside a worker (cache misses).",
                                      buckets=_ITEM_BUCKETS, registry=reg)
        self.batch_size = Histogram("mathreward_batch_size", "Items per request.", ("method",),
                                    buckets=_BATCH_BUCKETS, registry=reg)
        self.queue_depth = Gauge("mathreward_queue_depth", "Items queued or running.",
                                 ("queue",), registry=reg)
        self.inflight_items = Gauge("mathreward_inflight_items",
                                    "Items belonging to RPCs in progress.", ("method",),
                                    registry=reg)
        self.prm_items = Counter("mathreward_prm_items_total", "PRM items scored, by status.",
                                 ("status",), registry=reg)
        self.worker_restarts = Counter("mathreward_worker_restarts_total",
                                       "Verifier worker processes replaced, by reason.",
                                       ("reason",), registry=reg)
        self.workers_live = Gauge("mathreward_workers_live",
                                  "Verifier worker processes alive and responsive.", registry=reg)
        self.rejections = Counter("mathreward_rejections_total",
                                  "Requests refused before any work, by ErrorInfo reason.",
                                  ("reason",), registry=reg)
        self.adapter_unlocated = Counter(
            "mathreward_adapter_unlocated_total",
            "Trainer responses that could not be located in the query (reward 0, not graded).",
            registry=reg)
        self.http_requests = Counter(
            "mathreward_http_requests_total",
            "HTTP requests answered on the gateway and /metrics ports, by port and status code.",
            ("port", "code"), registry=reg)
        self.http_seconds = Histogram(
            "mathreward_http_request_seconds", "HTTP request handling time, by port.", ("port",),
            buckets=(0.005, 0.025, 0.1, 0.5, 1.0, 2.5, 10.0, 30.0, 120.0), registry=reg)
        self.build_info = Info("mathreward_build", "Build of the running server.", registry=reg)
        self.build_info.info({"version": _package_version(),
                              "python": platform.python_version(), "grpc": grpc.__version__})
        self._preinitialise()

    def _preinitialise(self) -> None:
        """Every known label set of the counters dashboards and alerts use, at 0."""
        for verdict in Verdict:
            self.items.labels(verdict=verdict.value)
        for status in PRM_STATUSES:
            self.prm_items.labels(status=status)
        for reason in WORKER_RESTART_REASONS:
            self.worker_restarts.labels(reason=reason)
        from mathreward.errors import STATUS_TABLE  # lazy: errors imports grpc_status

        for reason in sorted({row[2] for row in STATUS_TABLE} | {"INTERNAL"}):
            self.rejections.labels(reason=reason)
        for labels in _rpc_label_sets():
            self.started.labels(**labels)
            for code in _GRPC_CODES:
                self.handled.labels(**labels, grpc_code=code)

    # -- PoolObserver (called by verifier.pool in this process) --------------------------------
    def on_result(self, result: Result, cached: bool) -> None:
        self.items.labels(verdict=result.verdict.value).inc()
        if cached:
            self.cache_hits.inc()
        else:
            self.item_seconds.observe(result.elapsed_s)

    def on_worker_restart(self, reason: str) -> None:
        self.worker_restarts.labels(reason=reason).inc()

    def on_workers_live(self, count: int) -> None:
        self.workers_live.set(count)

    # -- service-side hooks --------------------------------------------------------------------
    def watch_queue(self, queue: str, depth: Callable[[], float]) -> None:
        """Read a queue's depth at scrape time (no polling loop)."""
        self.queue_depth.labels(queue=queue).set_function(depth)

    def on_rejection(self, reason: str) -> None:
        self.rejections.labels(reason=reason).inc()

    def on_prm_status(self, status: str) -> None:
        self.prm_items.labels(status=status).inc()

    def on_unlocated(self) -> None:
        self.adapter_unlocated.inc()

    def on_http_response(self, port: str, code: int, seconds: float) -> None:
        """One answered HTTP request (`port` is "gateway" or "metrics")."""
        self.http_requests.labels(port=port, code=str(code)).inc()
        self.http_seconds.labels(port=port).observe(seconds)


def _rpc_label_sets() -> list[dict[str, str]]:
    """grpc_service / grpc_method / grpc_type of every RPC of RewardService (from the proto)."""
    from mathreward._pb import reward_pb2

    service = reward_pb2.DESCRIPTOR.services_by_name["RewardService"]
    out = []
    for method in service.methods:
        if method.client_streaming:
            rpc_type = "bidi_stream" if method.server_streaming else "client_stream"
        else:
            rpc_type = "server_stream" if method.server_streaming else "unary"
        out.append({"grpc_service": service.full_name, "grpc_method": method.name,
                    "grpc_type": rpc_type})
    return out
