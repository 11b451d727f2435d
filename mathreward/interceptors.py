"""Server interceptors: per-RPC metrics, access log and request id around every handler.

grpc.aio interceptors only see the handler, not the call's outcome, so `wrap_handler` rebuilds
the handler with its behaviour run inside an async context manager (`around`); that works for
all four RPC shapes and for handlers written as coroutines (`context.write`) or async generators.
The auth interceptor (`mathreward/auth.py`) uses the same helper.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from mathreward.logs import REQUEST_ID
from mathreward.metrics import ServiceMetrics

log = logging.getLogger("mathreward.rpc")

Around = Callable[[grpc.aio.ServicerContext], contextlib.AbstractAsyncContextManager[None]]
Continuation = Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler | None]]

_QUIET_SERVICES = ("grpc.health.v1.Health", "grpc.reflection.")  # probes: access log at DEBUG


def _wrap_behavior(inner: Callable[..., Any], around: Around) -> Callable[..., Any]:
    if inspect.isasyncgenfunction(inner):
        async def stream_behavior(request: Any, context: grpc.aio.ServicerContext):
            async with around(context):
                async for response in inner(request, context):
                    yield response
        return stream_behavior

    async def behavior(request: Any, context: grpc.aio.ServicerContext) -> Any:
        async with around(context):
            return await inner(request, context)
    return behavior


def wrap_handler(handler: grpc.RpcMethodHandler | None, around: Around
                 ) -> grpc.RpcMethodHandler | None:
    """The same handler, its behaviour run inside `around(context)`."""
    if handler is None:
        return None
    kwargs = {"request_deserializer": handler.request_deserializer,
              "response_serializer": handler.response_serializer}
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(
            _wrap_behavior(handler.unary_unary, around), **kwargs)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(
            _wrap_behavior(handler.unary_stream, around), **kwargs)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(
            _wrap_behavior(handler.stream_unary, around), **kwargs)
    return grpc.stream_stream_rpc_method_handler(
        _wrap_behavior(handler.stream_stream, around), **kwargs)


def rpc_type(handler: grpc.RpcMethodHandler) -> str:
    """The go-grpc-prometheus `grpc_type` label."""
    if handler.request_streaming:
        return "bidi_stream" if handler.response_streaming else "client_stream"
    return "server_stream" if handler.response_streaming else "unary"


def split_method(full_method: str) -> tuple[str, str]:
    """'/pkg.Service/Method' -> ('pkg.Service', 'Method')."""
    service, _, method = full_method.lstrip("/").rpartition("/")
    return service, method


def _final_code(context: grpc.aio.ServicerContext, error: BaseException | None) -> grpc.StatusCode:
    if isinstance(error, asyncio.CancelledError):
        return grpc.StatusCode.CANCELLED
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code
    return grpc.StatusCode.UNKNOWN if error is not None else grpc.StatusCode.OK


class ObservabilityInterceptor(grpc.aio.ServerInterceptor):
    """Counts and times every RPC, tags it with a request id and writes one access-log line."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self._metrics = metrics

    async def intercept_service(self, continuation: Continuation,
                                handler_call_details: grpc.HandlerCallDetails
                                ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        service, method = split_method(handler_call_details.method)
        labels = {"grpc_service": service, "grpc_method": method, "grpc_type": rpc_type(handler)}
        metadata = dict(handler_call_details.invocation_metadata or ())
        level = logging.DEBUG if service.startswith(_QUIET_SERVICES) else logging.INFO

        @contextlib.asynccontextmanager
        async def around(context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
            request_id = str(metadata.get("x-request-id") or uuid.uuid4().hex[:16])
            token = REQUEST_ID.set(request_id)
            self._metrics.started.labels(**labels).inc()
            start = time.perf_counter()
            error: BaseException | None = None
            try:
                yield
            except BaseException as exc:  # noqa: BLE001 - recorded, then re-raised unchanged
                error = exc
                raise
            finally:
                elapsed = time.perf_counter() - start
                code = _final_code(context, error)
                self._metrics.handled.labels(**labels, grpc_code=code.name).inc()
                self._metrics.handling_seconds.labels(**labels, grpc_code=code.name).observe(
                    elapsed)
                log.log(level, "rpc", extra={"method": handler_call_details.method,
                                             "code": code.name, "ms": round(elapsed * 1e3, 2),
                                             "peer": context.peer()})
                with contextlib.suppress(ValueError):  # generator closed from another context
                    REQUEST_ID.reset(token)

        return wrap_handler(handler, around)
