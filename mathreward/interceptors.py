"""The gRPC edge around every handler: auth, request receipt, metrics and the access log.

`EdgeInterceptor` rebuilds each handler the server resolves. Three promises hold for every call:

1. **Nothing touches the servicer context after the call may be gone.** A call that ends early
   (client cancel, deadline, a client killed mid-stream) destroys its grpc-core call; the
   handler's async generator can still be finalised later, and `context.peer()` on a destroyed
   call dereferences freed memory (SIGSEGV, the whole server dies). So the peer, the request id
   and the method are captured into a `CallRecord` when the call starts, and the code that runs
   when a call ends (`_observe`'s `finally`) reads only that record; it asks the context for
   its status code only after an abort, which the handler raised itself while the call was live.
2. **A unary request is read by the edge, not by grpc.** Handlers whose request is one message
   are registered as request-streaming handlers with an identity deserializer, so the edge's
   behaviour starts when the headers arrive, before the body:
   - a call refused by auth is answered UNAUTHENTICATED without reading or parsing its body;
   - the message must arrive within `Limits.request_receive_timeout_s`, else DEADLINE_EXCEEDED
     (REQUEST_NOT_RECEIVED): a call that never sends its message is not held forever;
   - its size is taken from the in-flight byte budget before it is parsed (over it:
     RESOURCE_EXHAUSTED, retryable), and given back when the call ends;
   - a message that does not parse is INVALID_ARGUMENT (MALFORMED_REQUEST), counted in
     `grpc_server_handled_total` and logged as one line, not an ERROR traceback per message.
   On the wire a unary request and a one-message stream are identical, so clients see no change.
3. Every call is counted (`grpc_server_started_total` / `handled_total` / `handling_seconds`)
   and logged once, with control characters in client-supplied values escaped (`logs.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from mathreward.core import Admission
from mathreward.errors import (
    MalformedRequest,
    RequestBytesOverBudget,
    RequestNotReceived,
    ServiceError,
    Unauthenticated,
    abort_with,
    status_of,
)
from mathreward.logs import REQUEST_ID, safe_request_id
from mathreward.metrics import ServiceMetrics

log = logging.getLogger("mathreward.rpc")

Continuation = Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler | None]]
AuthCheck = Callable[[str, Any], str | None]  # (method, invocation metadata) -> problem or None

_QUIET_SERVICES = ("grpc.health.v1.Health", "grpc.reflection.")  # probes: access log at DEBUG
BUDGETED_PREFIX = "/mathreward.v1.RewardService/"  # calls whose request bytes are budgeted


def rpc_type(handler: grpc.RpcMethodHandler) -> str:
    """The go-grpc-prometheus `grpc_type` label."""
    if handler.request_streaming:
        return "bidi_stream" if handler.response_streaming else "client_stream"
    return "server_stream" if handler.response_streaming else "unary"


def split_method(full_method: str) -> tuple[str, str]:
    """'/pkg.Service/Method' -> ('pkg.Service', 'Method')."""
    service, _, method = full_method.lstrip("/").rpartition("/")
    return service, method


@dataclass
class CallRecord:
    """What the edge knows about one call, captured while the call is certainly alive."""

    method: str
    labels: dict[str, str]
    request_id: str
    peer: str
    started: float = field(default_factory=time.perf_counter)
    request_bytes: int = 0  # taken from the byte budget; given back when the call ends


def _identity(raw: bytes) -> bytes:
    return raw


class EdgeInterceptor(grpc.aio.ServerInterceptor):
    """Auth, request receipt, metrics and access log for every RPC (module docstring)."""

    def __init__(self, metrics: ServiceMetrics, *, admission: Admission | None = None,
                 auth: AuthCheck | None = None, receive_timeout_s: float = 60.0,
                 precheck: Callable[[str, bytes], None] | None = None) -> None:
        self._metrics = metrics
        self._precheck = precheck  # (method name, raw message): raises ServiceError to refuse
        self._admission = admission
        self._auth = auth
        self._receive_timeout_s = receive_timeout_s

    async def intercept_service(self, continuation: Continuation,
                                handler_call_details: grpc.HandlerCallDetails
                                ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        metadata = handler_call_details.invocation_metadata or ()
        service, name = split_method(method)
        labels = {"grpc_service": service, "grpc_method": name, "grpc_type": rpc_type(handler)}
        level = logging.DEBUG if service.startswith(_QUIET_SERVICES) else logging.INFO
        request_id = safe_request_id(_metadata_value(metadata, "x-request-id"))
        # Decided on the headers alone: a refused call's body is never read nor parsed.
        problem = self._auth(method, metadata) if self._auth is not None else None
        budgeted = method.startswith(BUDGETED_PREFIX)
        edge = _Call(self, method, labels, level, request_id, problem, budgeted)
        return edge.handler(handler)

    # -- per call --------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def observe(self, record: CallRecord, level: int,
                      context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
        token = REQUEST_ID.set(record.request_id)
        self._metrics.started.labels(**record.labels).inc()
        code = grpc.StatusCode.OK
        try:
            yield
        except grpc.aio.AbortError:
            # Raised by our own abort, on a live call: its code is plain Python state.
            code = _status_code(context.code())
            raise
        except (asyncio.CancelledError, GeneratorExit):
            code = grpc.StatusCode.CANCELLED
            raise
        except BaseException:
            code = grpc.StatusCode.UNKNOWN
            raise
        finally:
            # The call may be gone by now: only `record` is read here, never `context`.
            if record.request_bytes and self._admission is not None:
                self._admission.release_bytes(record.request_bytes)
                record.request_bytes = 0
            elapsed = time.perf_counter() - record.started
            self._metrics.handled.labels(**record.labels, grpc_code=code.name).inc()
            self._metrics.handling_seconds.labels(**record.labels,
                                                  grpc_code=code.name).observe(elapsed)
            log.log(level, "rpc", extra={"method": record.method, "code": code.name,
                                         "ms": round(elapsed * 1e3, 2), "peer": record.peer})
            with contextlib.suppress(ValueError):  # generator finalised in another context
                REQUEST_ID.reset(token)

    async def receive(self, record: CallRecord, requests: AsyncIterator[bytes],
                      context: grpc.aio.ServicerContext, parse: Callable[[bytes], Any],
                      budgeted: bool) -> Any:
        """The call's one request message, read within the timeout, budgeted, then parsed."""
        try:
            raw = await asyncio.wait_for(requests.__anext__(), self._receive_timeout_s)
        except TimeoutError:
            await self.reject(context, RequestNotReceived(
                f"no complete request message within {self._receive_timeout_s:g} s of the "
                "call's headers", timeout_s=self._receive_timeout_s))
        except StopAsyncIteration:
            await self.reject(context, MalformedRequest("the call ended without a request "
                                                        "message"))
        if budgeted and self._admission is not None:
            if not self._admission.take_bytes(len(raw)):
                await self.reject(context, RequestBytesOverBudget(
                    f"request messages of {self._admission.inflight_bytes} bytes are in "
                    f"progress; {len(raw)} more would pass the limit; retry with backoff",
                    request_bytes=len(raw)))
            record.request_bytes = len(raw)
            if self._precheck is not None:
                try:
                    self._precheck(split_method(record.method)[1], raw)
                except ServiceError as error:
                    await self.reject(context, error)
        try:
            return parse(raw)
        except (DecodeError, ValueError, TypeError) as exc:
            await self.reject(context, MalformedRequest(
                f"the request message ({len(raw)} bytes) is not a valid "
                f"{getattr(parse, '__qualname__', 'message')!s}: {str(exc)[:200]}"))

    async def reject(self, context: grpc.aio.ServicerContext, error: ServiceError) -> None:
        code, reason = status_of(error)
        self._metrics.on_rejection(reason)
        log.info("rejected", extra={"code": code.name, "reason": reason,
                                    "detail": error.message[:300]})
        await abort_with(context, error)


class _Call:
    """Builds the handler of one call: the original behaviour run inside the edge."""

    def __init__(self, edge: EdgeInterceptor, method: str, labels: dict[str, str], level: int,
                 request_id: str, problem: str | None, budgeted: bool) -> None:
        self.edge = edge
        self.method = method
        self.labels = labels
        self.level = level
        self.request_id = request_id
        self.problem = problem
        self.budgeted = budgeted

    def record(self, context: grpc.aio.ServicerContext) -> CallRecord:
        # Called first thing in the behaviour: the call is alive, peer() is safe here.
        return CallRecord(self.method, self.labels, self.request_id, context.peer())

    async def start(self, record: CallRecord, context: grpc.aio.ServicerContext) -> None:
        if self.problem is not None:
            await self.edge.reject(context, Unauthenticated(self.problem))

    def handler(self, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        serializer = handler.response_serializer
        if handler.request_streaming:  # reflection: streams in, keep its own reading
            behavior = self._streaming_in(handler.stream_stream or handler.stream_unary)
            factory = (grpc.stream_stream_rpc_method_handler if handler.response_streaming
                       else grpc.stream_unary_rpc_method_handler)
            return factory(behavior, request_deserializer=handler.request_deserializer,
                           response_serializer=serializer)
        parse = handler.request_deserializer or _identity
        if handler.unary_stream is not None:
            return grpc.stream_stream_rpc_method_handler(
                self._unary_stream(handler.unary_stream, parse),
                request_deserializer=_identity, response_serializer=serializer)
        return grpc.stream_unary_rpc_method_handler(
            self._unary_unary(handler.unary_unary, parse),
            request_deserializer=_identity, response_serializer=serializer)

    def _unary_unary(self, inner: Callable[..., Any], parse: Callable[[bytes], Any]
                     ) -> Callable[..., Any]:
        async def behavior(requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext
                           ) -> Any:
            record = self.record(context)
            async with self.edge.observe(record, self.level, context):
                await self.start(record, context)
                request = await self.edge.receive(record, requests, context, parse,
                                                  self.budgeted)
                return await inner(request, context)
        return behavior

    def _unary_stream(self, inner: Callable[..., Any], parse: Callable[[bytes], Any]
                      ) -> Callable[..., Any]:
        async def behavior(requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext):
            record = self.record(context)
            async with self.edge.observe(record, self.level, context):
                await self.start(record, context)
                request = await self.edge.receive(record, requests, context, parse,
                                                  self.budgeted)
                if inspect.isasyncgenfunction(inner):
                    async for response in inner(request, context):
                        yield response
                else:  # a handler that writes with context.write() and returns
                    await inner(request, context)
        return behavior

    def _streaming_in(self, inner: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isasyncgenfunction(inner):
            async def stream_behavior(requests: Any, context: grpc.aio.ServicerContext):
                record = self.record(context)
                async with self.edge.observe(record, self.level, context):
                    await self.start(record, context)
                    async for response in inner(requests, context):
                        yield response
            return stream_behavior

        async def behavior(requests: Any, context: grpc.aio.ServicerContext) -> Any:
            record = self.record(context)
            async with self.edge.observe(record, self.level, context):
                await self.start(record, context)
                return await inner(requests, context)
        return behavior


def _metadata_value(metadata: Any, key: str) -> str | None:
    for name, value in metadata:
        if name == key:
            return value if isinstance(value, str) else None
    return None


def _status_code(code: Any) -> grpc.StatusCode:
    if isinstance(code, grpc.StatusCode):
        return code
    for candidate in grpc.StatusCode:  # cygrpc keeps it as the integer code
        if candidate.value[0] == code:
            return candidate
    return grpc.StatusCode.UNKNOWN
