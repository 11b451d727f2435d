"""OpenRLHF's HTTP reward endpoint, served beside the gRPC server: `POST /get_reward`.

    mathreward serve --port 50051 --http-port 5000
    # OpenRLHF: --remote_rm_url http://HOST:5000/get_reward --label_key answer

Request JSON (what OpenRLHF's `remote_rm_fn` / agent executor sends):
    {"query": [prompt+response, ...], "prompts": [prompt, ...], "labels": [gold, ...],
     "spec": "orm"}                     # "spec" is optional (default: the gateway's spec)
Response JSON:
    {"rewards": [float], "scores": [float 0/1 correctness], "extra_logs": {"correct": [...],
     "prm_aggregate": [...] (only when the spec used the PRM)}}

Errors: 400 (malformed JSON, lengths differ, unknown spec, too many items), 404 (other paths),
412 (the spec needs a PRM this server does not run), 429 (queues full: retry), 503 (draining),
500 (anything else); the body is `{"error": "..."}`.

It runs on the stdlib `ThreadingHTTPServer` in a daemon thread (no extra dependency); each request
is handed to the server's event loop with `run_coroutine_threadsafe`, where the ComputeReward
servicer's `compute_outcomes` runs it on the same verifier pool, PRM engine and limits.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mathreward.adapters.openrlhf import items_from_queries, reward_result
from mathreward.reward_spec import RewardSpec, SpecError, get_preset
from mathreward.rewards import PrmUnavailableError, RewardItem, RewardOutcome
from verifier.types import VerifyOptions

log = logging.getLogger(__name__)

PATH = "/get_reward"
# (items, spec, options, absolute monotonic deadline) -> outcomes; the server passes
# RewardServicer.compute_outcomes, so HTTP and gRPC share limits, queues and metrics.
ComputeFn = Callable[[Sequence[RewardItem], RewardSpec, VerifyOptions, float],
                     Awaitable[list[RewardOutcome]]]


@dataclass(frozen=True)
class GatewayConfig:
    host: str = "0.0.0.0"  # noqa: S104 - a service port, like the gRPC one
    port: int = 0  # 0 = any free port (tests)
    spec: RewardSpec = get_preset("orm")  # used when a request names none
    options: VerifyOptions = VerifyOptions()
    max_items: int = 4096
    max_body_bytes: int = 64 * 1024 * 1024
    timeout_s: float = 180.0  # OpenRLHF's own client gives up after 180 s


class _BadRequest(Exception):
    pass


def _status_for(exc: BaseException) -> HTTPStatus:
    """Domain error -> HTTP status (by class name, so this module needs no grpc imports)."""
    if isinstance(exc, _BadRequest | SpecError | ValueError):
        return HTTPStatus.BAD_REQUEST
    names = {cls.__name__ for cls in type(exc).__mro__}
    if isinstance(exc, PrmUnavailableError) or "PrmRequired" in names:
        return HTTPStatus.PRECONDITION_FAILED
    if names & {"Overloaded", "PrmQueueFull", "QueueFull"}:
        return HTTPStatus.TOO_MANY_REQUESTS
    if names & {"Unavailable", "Draining", "NotReady"}:
        return HTTPStatus.SERVICE_UNAVAILABLE
    if names & {"InvalidRequest"}:
        return HTTPStatus.BAD_REQUEST
    return HTTPStatus.INTERNAL_SERVER_ERROR


def parse_body(body: bytes, config: GatewayConfig) -> tuple[list[RewardItem], RewardSpec]:
    """The request JSON -> ComputeReward items and spec; _BadRequest/SpecError when malformed."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _BadRequest(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _BadRequest("body must be a JSON object")
    queries = data.get("query", data.get("queries"))
    prompts, labels = data.get("prompts"), data.get("labels")
    if not isinstance(queries, list):
        raise _BadRequest('"query" must be a list of strings')
    prompts = prompts if isinstance(prompts, list) else [""] * len(queries)
    labels = labels if isinstance(labels, list) else [""] * len(queries)
    if len(queries) > config.max_items:
        raise _BadRequest(f"{len(queries)} items > limit {config.max_items}")
    spec = get_preset(data["spec"]) if isinstance(data.get("spec"), str) else config.spec
    return items_from_queries(queries, prompts, labels), spec


def _make_handler(config: GatewayConfig, compute: ComputeFn,
                  loop: asyncio.AbstractEventLoop) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: OpenRLHF posts every step

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            log.debug("http %s " + format, self.client_address[0], *args)

        def _reply(self, status: HTTPStatus, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - stdlib hook name
            if self.path == "/healthz":
                self._reply(HTTPStatus.OK, {"status": "ok"})
            else:
                self._reply(HTTPStatus.NOT_FOUND, {"error": f"no such path {self.path}"})

        def do_POST(self) -> None:  # noqa: N802 - stdlib hook name
            if self.path.split("?")[0] != PATH:
                self._reply(HTTPStatus.NOT_FOUND, {"error": f"POST {PATH} only"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > config.max_body_bytes:
                self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body too large"})
                return
            try:
                items, spec = parse_body(self.rfile.read(length), config)
                future = asyncio.run_coroutine_threadsafe(
                    compute(items, spec, config.options, time.monotonic() + config.timeout_s),
                    loop)
                outcomes = future.result(timeout=config.timeout_s + 5)
            except Exception as exc:  # every failure is an HTTP answer; the server lives on
                self._reply(_status_for(exc), {"error": str(exc) or type(exc).__name__})
                return
            self._reply(HTTPStatus.OK, reward_result(outcomes, as_tensors=False))

    return Handler


class HttpGateway:
    """`POST /get_reward` on a daemon thread; `start()` on the event loop that owns the pool."""

    def __init__(self, config: GatewayConfig, compute: ComputeFn) -> None:
        self.config = config
        self._compute = compute
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return self._server.server_address[1]

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> int:
        """Bind and serve; returns the bound port. `loop` defaults to the running loop."""
        loop = loop or asyncio.get_running_loop()
        handler = _make_handler(self.config, self._compute, loop)
        self._server = ThreadingHTTPServer((self.config.host, self.config.port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="http-gateway",
                                        kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()
        log.info("http gateway: POST http://%s:%d%s", self.config.host, self.port, PATH)
        return self.port

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()  # returns once serve_forever has exited
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
