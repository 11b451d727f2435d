"""Optional bearer-token authentication: `authorization: Bearer <token>` on every RPC.

Health checks are exempt so load-balancer and kubelet probes work without the secret. The token
is compared in constant time. TLS / mTLS is configured on the server port (`server.py`), not here.
"""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import AsyncIterator, Callable

import grpc

from mathreward.errors import Unauthenticated, abort_with
from mathreward.interceptors import Continuation, wrap_handler

EXEMPT_PREFIXES = ("/grpc.health.v1.Health/",)


def bearer_token(metadata: tuple[tuple[str, str | bytes], ...] | None) -> str | None:
    """The token of an `authorization: Bearer <token>` header, or None."""
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def token_problem(metadata: tuple[tuple[str, str | bytes], ...] | None,
                  expected: bytes) -> str | None:
    """None when `metadata` carries the expected bearer token, else why not (constant time).

    The one token check of every port: the gRPC interceptor below and the HTTP edges
    (http_gateway.py, metrics_http.py, which pass their `Authorization` headers as metadata).
    """
    given = bearer_token(metadata)
    if given is None:
        return "missing bearer token: send metadata 'authorization: Bearer <token>'"
    if not hmac.compare_digest(given.encode(), expected):
        return "wrong bearer token"
    return None


class BearerTokenInterceptor(grpc.aio.ServerInterceptor):
    """Rejects RPCs without the right bearer token with UNAUTHENTICATED (ErrorInfo reason)."""

    def __init__(self, token: str, on_reject: Callable[[str], None] | None = None) -> None:
        if not token:
            raise ValueError("an empty auth token would accept everyone; pass None instead")
        self._token = token.encode()
        self._on_reject = on_reject  # metrics hook: called with the ErrorInfo reason

    def _check(self, metadata: tuple[tuple[str, str | bytes], ...] | None) -> str | None:
        """None when allowed, else why not."""
        return token_problem(metadata, self._token)

    async def intercept_service(self, continuation: Continuation,
                                handler_call_details: grpc.HandlerCallDetails
                                ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler_call_details.method.startswith(EXEMPT_PREFIXES):
            return handler
        problem = self._check(handler_call_details.invocation_metadata)
        if problem is None:
            return handler

        @contextlib.asynccontextmanager
        async def reject(context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
            if self._on_reject is not None:
                self._on_reject("UNAUTHENTICATED")
            await abort_with(context, Unauthenticated(problem))
            yield  # never reached: abort raises

        return wrap_handler(handler, reject)
