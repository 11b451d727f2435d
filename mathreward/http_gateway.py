"""OpenRLHF's HTTP reward endpoint, served beside the gRPC server: `POST /get_reward`.

    mathreward serve --port 50051 --http-port 5000 [--http-spec orm_deepscaler]
    # OpenRLHF 0.11: --reward.remote_url http://HOST:5000/get_reward --data.label_key answer
    #   with a server token: http://mathreward:TOKEN@HOST:5000/get_reward (sent as Basic auth)

Request JSON (what OpenRLHF's remote reward client sends; "spec" is optional):
    {"query": [prompt+response, ...], "prompts": [prompt, ...], "labels": [gold, ...],
     "spec": "orm" | {RewardSpec fields, as in the proto's JSON}}
Response JSON:
    {"rewards": [float], "scores": [float 0/1 correctness], "extra_logs": {name: [float]}}

Every request problem is an HTTP status with `{"error": "..."}` (never a silent reward of 0):
    400  not JSON, nested too deep, not an object, a missing/mistyped field, lengths that
         differ, a missing/null/empty label, an unknown spec, too many items
    401  the server has a token and the request lacks it (`Authorization: Bearer TOKEN`, or
         Basic auth with TOKEN as the password)
    404/405  another path / method;  408  the body did not arrive within the body timeout
    412  the spec needs a PRM this server does not run
    413  body over the size limit;  429  queues or the in-flight body budget are full: retry
    503  draining (SIGTERM) or not ready: retry elsewhere (`Retry-After` set)
    500  a bug (logged with its stack trace; the request id is in the log, not the answer)

The server runs it with aiohttp on the event loop of the grpc.aio server (`http_edge.py`: backlog,
connection cap, header/body timeouts, TLS, drain). The work goes through the injected `compute`
function (the ComputeReward path, so HTTP and gRPC share limits, queues and metrics); queries
become items with `adapters.openrlhf.items_from_queries` and outcomes a reply with `reward_result`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from mathreward import exactjson
from mathreward.adapters.openrlhf import items_from_queries, reward_result
from mathreward.config import HttpLimits
from mathreward.errors import (
    InvalidRequest,
    NotConfigured,
    Overloaded,
    PrmRequired,
    ServiceError,
    Unavailable,
    status_of,
)
from mathreward.http_edge import HttpEdge, auth_problem, error_response, json_response, unauthorized
from mathreward.reward_spec import DEFAULT_SPEC, PRESETS, RewardSpec, SpecError, get_preset
from mathreward.rewards import PrmUnavailableError, RewardItem, RewardOutcome
from verifier.types import VerifyOptions

log = logging.getLogger("mathreward.http_gateway")

PATH = "/get_reward"
HEALTH_PATH = "/healthz"
# (items, spec, options, absolute monotonic deadline) -> outcomes; the server passes the
# ComputeReward path (RewardCore.compute_outcomes), so HTTP and gRPC share limits and queues.
ComputeFn = Callable[[Sequence[RewardItem], RewardSpec, VerifyOptions, float],
                     Awaitable[list[RewardOutcome]]]
MAX_PRESET_CHARS = 64  # a longer "preset name" is refused without being echoed
PARSE_IN_THREAD_BYTES = 64 * 1024  # bigger bodies are decoded and checked off the event loop
RETRY_AFTER = {"Retry-After": "1"}


@dataclass(frozen=True)
class GatewayConfig:
    host: str = "0.0.0.0"  # noqa: S104 - a service port, like the gRPC one
    port: int = 0  # 0 = any free port (tests)
    spec: RewardSpec = DEFAULT_SPEC  # used when a request names none (`serve --http-spec`)
    options: VerifyOptions = VerifyOptions()
    max_items: int = 4096
    limits: HttpLimits = field(default_factory=HttpLimits)
    token: str | None = None  # the server's bearer token: required when set


class HttpError(Exception):
    """A request problem with its HTTP status (the message is the JSON error)."""

    def __init__(self, status: int, message: str, reason: str = "INVALID_REQUEST") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason  # the mathreward_rejections_total label


def bad_request(message: str) -> HttpError:
    return HttpError(400, message)


# The gateway's error table: domain error -> HTTP status (first match wins; subclasses first).
_STATUS_BY_ERROR: tuple[tuple[type[BaseException], int], ...] = (
    (InvalidRequest, 400),
    (SpecError, 400),
    (PrmRequired, 412),
    (PrmUnavailableError, 412),
    (NotConfigured, 412),
    (Overloaded, 429),
    (Unavailable, 503),
)


def http_status_of(exc: BaseException) -> int | None:
    """The HTTP status answering a domain error; None for anything else (a bug: 500)."""
    for cls, status in _STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    if type(exc).__name__ == "PoolClosedError":  # shutdown closed the pool under a straggler
        return 503
    return None


# -- request parsing (pure functions: tested directly and run off the loop for big bodies) ------

def parse_spec(value: object) -> RewardSpec:
    """A preset name (`orm_deepscaler`), a JSON object of the proto's RewardSpec fields, or that
    object as text: whatever ComputeReward accepts. SpecError when unusable."""
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("{"):
            if len(text) > MAX_PRESET_CHARS:
                raise SpecError(f"unknown reward spec preset ({len(text)} characters); known: "
                                f"{', '.join(PRESETS)}")
            return get_preset(text)
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise SpecError(f"spec is neither a preset name nor a JSON object: {exc}") from None
    if not isinstance(value, dict):
        raise SpecError("spec must be a preset name or an object of RewardSpec fields")
    from google.protobuf import json_format

    from mathreward import convert
    from mathreward._pb import reward_pb2

    message = reward_pb2.RewardSpec()
    try:
        json_format.ParseDict(value, message)
        return convert.reward_spec_from_pb(message)
    except (json_format.ParseError, ServiceError, RecursionError) as exc:
        raise SpecError(f"bad reward spec object: {exc}") from None


def _strings(data: dict[str, Any], key: str) -> list[str]:
    values = data.get(key)
    if values is None:
        raise bad_request(f'"{key}" is missing: send a list of strings')
    if not isinstance(values, list):
        raise bad_request(f'"{key}" must be a list of strings, not {type(values).__name__}')
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise bad_request(f'"{key}"[{index}] must be a string, not {type(value).__name__}')
    return values


def _gold(label: object, index: int) -> str:
    """One gold answer; a missing one is a 400, never a silent reward of 0."""
    hint = "each label is the gold answer; is the label column set (OpenRLHF: --data.label_key)?"
    if label is None or isinstance(label, bool):
        raise bad_request(f'"labels"[{index}] is {json.dumps(label)}: {hint}')
    if isinstance(label, exactjson.NUMBER_TYPES):
        return exactjson.number_text(label)  # as written: never through a float
    if not isinstance(label, str):
        raise bad_request(f'"labels"[{index}] must be a string or a number, not '
                          f'{type(label).__name__}: {hint}')
    if not label.strip():
        raise bad_request(f'"labels"[{index}] is empty: {hint}')
    return label


def decode_json(body: bytes) -> Any:
    if not body:
        raise bad_request("empty body: send a JSON object")
    try:
        return exactjson.loads(body)
    except RecursionError:
        raise bad_request("body JSON is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise bad_request(f"body is not JSON: {exc}") from None


def parse_request(body: bytes, config: GatewayConfig) -> tuple[list[RewardItem], RewardSpec]:
    """The request body -> ComputeReward items and spec; HttpError (400) when malformed."""
    data = decode_json(body)
    if not isinstance(data, dict):
        raise bad_request(f"body must be a JSON object, not {type(data).__name__}")
    if "query" not in data and "queries" in data:
        data["query"] = data["queries"]
    queries = _strings(data, "query")
    prompts = _strings(data, "prompts")
    labels = data.get("labels")
    if labels is None:
        raise bad_request('"labels" is missing: send the gold answers (OpenRLHF: set '
                          "--data.label_key); without them every reward would be 0")
    if not isinstance(labels, list):
        raise bad_request(f'"labels" must be a list, not {type(labels).__name__}')
    if not len(queries) == len(prompts) == len(labels):
        raise bad_request(f'"query", "prompts" and "labels" lengths differ: {len(queries)}, '
                          f"{len(prompts)}, {len(labels)}")
    if len(queries) > config.max_items:
        raise bad_request(f"{len(queries)} items in one request; the limit is "
                          f"{config.max_items}: split the batch")
    golds = [_gold(label, index) for index, label in enumerate(labels)]
    try:
        spec = config.spec if data.get("spec") is None else parse_spec(data["spec"])
    except SpecError as exc:
        raise bad_request(str(exc)) from None
    try:
        return items_from_queries(queries, prompts, golds), spec
    except ValueError as exc:  # the adapter's own checks on the batch
        raise bad_request(str(exc)) from None


# -- the server --------------------------------------------------------------------------------

class HttpGateway:
    """`POST /get_reward` on an `HttpEdge`; `start()` on the event loop that owns the pool."""

    def __init__(self, config: GatewayConfig, compute: ComputeFn, *,
                 draining: Callable[[], bool] = lambda: False,
                 on_reject: Callable[[str], None] | None = None,
                 ssl_context: Any = None,
                 on_response: Callable[[str, int, float], None] | None = None) -> None:
        self.config = config
        self._compute = compute
        self._draining = draining  # the server's drain flag (SIGTERM): new requests get 503
        self._on_reject = on_reject  # metrics hook: called with a rejection reason
        self._token = config.token.encode() if config.token else None
        self._edge = HttpEdge("gateway", self._handle, config.host, config.port, config.limits,
                              ssl_context, on_response)
        self._computing: set[asyncio.Future[list[RewardOutcome]]] = set()
        self._body_bytes = 0  # bytes of bodies being read or parsed now (all connections)
        self._parser: ThreadPoolExecutor | None = None

    @property
    def port(self) -> int:
        return self._edge.port

    @property
    def edge(self) -> HttpEdge:
        return self._edge

    async def start(self) -> int:
        self._parser = ThreadPoolExecutor(max_workers=2, thread_name_prefix="http-parse")
        port = await self._edge.start()
        log.info("http gateway: POST %s on port %d", PATH, port,
                 extra={"spec": self.config.spec.label, "auth": self._token is not None})
        return port

    async def stop(self, grace_s: float) -> None:
        """Drain: new requests get 503, those in flight get `grace_s` to finish; then any
        still running are cancelled and answered 503, and the port closes."""
        self._edge.closing = True
        if not await self._edge.wait_idle(grace_s):
            for task in list(self._computing):
                task.cancel()
            await self._edge.wait_idle(5.0)
        await self._edge.close()
        if self._parser is not None:
            self._parser.shutdown(wait=False, cancel_futures=True)

    # -- one request -----------------------------------------------------------------------------
    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.path
        if path == HEALTH_PATH and request.method in ("GET", "HEAD"):
            if self._draining() or self._edge.closing:
                return json_response(503, {"status": "draining"}, headers=RETRY_AFTER)
            return json_response(200, {"status": "ok"})
        if path != PATH:
            return error_response(404, f"no such path; POST {PATH}")
        if request.method != "POST":
            return error_response(405, f"POST {PATH} only", headers={"Allow": "POST"})
        problem = auth_problem(request, self._token)
        if problem is not None:
            self._reject("UNAUTHENTICATED")
            return unauthorized(problem)
        try:
            return await self._get_reward(request)
        except HttpError as exc:
            self._reject(exc.reason)
            return error_response(exc.status, exc.message,
                                  headers=RETRY_AFTER if exc.status in (429, 503) else None)

    def _reject(self, reason: str) -> None:
        if self._on_reject is not None:
            self._on_reject(reason)

    async def _get_reward(self, request: web.BaseRequest) -> web.StreamResponse:
        if self._draining() or self._edge.closing:
            raise HttpError(503, "server is shutting down; retry on another replica", "DRAINING")
        body = await self._read_body(request)
        try:
            items, spec = await self._parse(body)
        finally:
            self._body_bytes -= len(body)
        deadline = time.monotonic() + self.config.limits.request_timeout_s
        task = asyncio.ensure_future(self._compute(items, spec, self.config.options, deadline))
        self._computing.add(task)
        try:
            outcomes = await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and not (current is not None and current.cancelling()):
                raise HttpError(503, "the server stopped before this request finished; retry "
                                "on another replica", "DRAINING") from None
            raise
        except Exception as exc:
            raise self._domain_error(exc) from None
        finally:
            self._computing.discard(task)
        return json_response(200, reward_result(outcomes, as_tensors=False))

    @staticmethod
    def _domain_error(exc: Exception) -> Exception:
        """A domain error as its HttpError; anything else is re-raised (a bug: logged 500)."""
        status = http_status_of(exc)
        if status is None:
            return exc
        if isinstance(exc, ServiceError):
            reason = status_of(exc)[1]
        else:
            reason = {400: "INVALID_OPTIONS", 412: "PRM_NOT_CONFIGURED"}.get(status, "DRAINING")
        return HttpError(status, str(exc) or type(exc).__name__, reason)

    async def _read_body(self, request: web.BaseRequest) -> bytes:
        """The whole body, within the size limit, the body timeout and the in-flight budget."""
        limits = self.config.limits
        length = request.content_length
        if length is not None and length > limits.max_body_bytes:
            raise HttpError(413, f"body of {length} bytes is over the limit of "
                            f"{limits.max_body_bytes}: split the batch", "REQUEST_TOO_LARGE")
        if request.headers.get("Expect", "").lower() == "100-continue":
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(limits.body_timeout_s):
                while chunk := await request.content.readany():
                    size += len(chunk)
                    if size > limits.max_body_bytes:
                        raise HttpError(413, f"body over the limit of {limits.max_body_bytes} "
                                        "bytes: split the batch", "REQUEST_TOO_LARGE")
                    if self._body_bytes + len(chunk) > limits.max_inflight_body_bytes:
                        raise HttpError(429, "too many request bytes in flight; retry with "
                                        "backoff", "OVERLOADED")
                    self._body_bytes += len(chunk)
                    chunks.append(chunk)
        except BaseException as exc:
            self._body_bytes -= sum(map(len, chunks))  # the caller releases only on success
            if isinstance(exc, TimeoutError):
                raise HttpError(408, f"the body did not arrive within "
                                f"{limits.body_timeout_s:g} s", "REQUEST_TIMEOUT") from None
            if isinstance(exc, HttpError) or not isinstance(exc, Exception):
                raise
            # a malformed chunked body, a connection reset mid-body
            raise bad_request(f"could not read the body: {exc}") from None
        return b"".join(chunks)

    async def _parse(self, body: bytes) -> tuple[list[RewardItem], RewardSpec]:
        if len(body) < PARSE_IN_THREAD_BYTES or self._parser is None:
            return parse_request(body, self.config)
        # Off the loop: the JSON decode of a big body holds the GIL, but checking and building
        # thousands of items is Python code that yields it, so gRPC and health keep answering.
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._parser, parse_request, body, self.config)
