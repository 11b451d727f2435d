"""Optional bearer-token authentication: `authorization: Bearer <token>` on every call.

The decision is made here, from the headers alone, and applied by each edge: the gRPC edge
(`interceptors.EdgeInterceptor`) answers a refused call UNAUTHENTICATED before reading or
parsing its request body; an HTTP edge can call `BearerTokenCheck.problem` with the value of its
`Authorization` header. Health checks are exempt so load-balancer and kubelet probes work
without the secret. The token is compared in constant time. TLS / mTLS is configured on the
server port (`server.py`), not here.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

EXEMPT_PREFIXES = ("/grpc.health.v1.Health/",)


def parse_bearer(value: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value, or None."""
    if not isinstance(value, str):
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def bearer_token(metadata: Iterable[tuple[str, str | bytes]] | None) -> str | None:
    """The token of an `authorization: Bearer <token>` gRPC metadata entry, or None."""
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str):
            return parse_bearer(value)
    return None


def token_problem(metadata: Iterable[tuple[str, str | bytes]] | None,
                  expected: bytes) -> str | None:
    """None when `metadata` carries the expected bearer token, else why not (constant time).

    The one token check of every port: the gRPC edge (`BearerTokenCheck`) and the HTTP edges
    (http_edge.py, which passes its `Authorization` headers as metadata).
    """
    given = bearer_token(metadata)
    if given is None:
        return "missing bearer token: send metadata 'authorization: Bearer <token>'"
    if not hmac.compare_digest(given.encode(), expected):
        return "wrong bearer token"
    return None


class BearerTokenCheck:
    """Decides whether a call may proceed: None when allowed, else why not (UNAUTHENTICATED)."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("an empty auth token would accept everyone; pass None instead")
        self._token = token.encode()

    def problem(self, authorization: str | None) -> str | None:
        """None when `authorization` (a header value) carries the right token, else why not."""
        return token_problem((("authorization", authorization),) if authorization else (),
                             self._token)

    def __call__(self, method: str, metadata: Iterable[tuple[str, str | bytes]] | None
                 ) -> str | None:
        """The gRPC edge's check: health is exempt; every other method needs the token."""
        if method.startswith(EXEMPT_PREFIXES):
            return None
        return token_problem(metadata, self._token)
