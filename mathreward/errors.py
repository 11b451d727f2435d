"""One exception hierarchy for the service and one table from it to gRPC status codes.

Item outcomes are data (a verdict with a reason), so only request-level problems are exceptions.
Every error the service raises is a `ServiceError` subclass; `STATUS_TABLE` maps each to its gRPC
status code and a machine-readable `google.rpc.ErrorInfo` reason, which travels in the
`grpc-status-details-bin` trailer (grpcio-status `rpc_status`). Clients read it back with
`error_info()` and decide on retries by code and reason, never by parsing message text.
"""

from __future__ import annotations

from typing import NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

ERROR_DOMAIN = "mathreward.v1"


class MathRewardError(Exception):
    """Base of every exception this package raises on purpose."""


class ServiceError(MathRewardError):
    """A request-level failure, answered with a gRPC status (see STATUS_TABLE)."""

    def __init__(self, message: str, **metadata: str | int | float) -> None:
        super().__init__(message)
        self.message = message
        # Machine-readable facts for ErrorInfo.metadata (limit values, field names).
        self.metadata = {key: clip(str(value), MAX_METADATA_VALUE_CHARS)
                         for key, value in metadata.items()}


class InvalidRequest(ServiceError):
    """Malformed request: do not retry it unchanged."""


class TooManyItems(InvalidRequest):
    """More items in one request than `Limits.max_items_per_request`."""


class MalformedRequest(InvalidRequest):
    """The request message is not a valid protobuf of the method's request type."""


class InvalidOptions(InvalidRequest):
    """A VerifyOptions / RewardSpec value out of range (e.g. rel_tol not in [0, 1))."""


class InvalidItem(InvalidRequest):
    """One item is malformed as a request (e.g. both `steps` and `response` given)."""


class Overloaded(ServiceError):
    """The server cannot take this request now; retry with backoff."""


class TooManyRpcs(Overloaded):
    """`Limits.max_concurrent_rpcs` RPCs are already running."""


class QueueFull(Overloaded):
    """The verifier queue would exceed `Limits.max_queued_items` with this request's items."""


class PrmQueueFull(Overloaded):
    """The PRM engine's bounded queue cannot take this request's items."""


class RequestBytesOverBudget(Overloaded):
    """The request messages in flight would pass `Limits.max_inflight_request_bytes`."""


class Unavailable(ServiceError):
    """The server cannot serve now but another replica (or a later retry) can."""


class Draining(Unavailable):
    """The server is shutting down; in-flight RPCs finish, new ones go elsewhere."""


class NotReady(Unavailable):
    """A part needed by this RPC is still warming up (e.g. the PRM is loading)."""


class Unauthenticated(ServiceError):
    """Missing or wrong bearer token."""


class DeadlineTooShort(ServiceError):
    """The call's deadline leaves no time to do any work and answer."""


class RequestNotReceived(ServiceError):
    """The client opened the call but did not send its request within the receive timeout."""


class NotConfigured(ServiceError):
    """The RPC needs a part this server does not run (no PRM engine, no reward module)."""


class PrmRequired(ServiceError):
    """The request (e.g. a reward spec with a PRM term) needs the PRM this server does not run."""


# The one table: exception class -> (status code, ErrorInfo reason). Checked in order, so a
# subclass listed here wins over its base; every leaf class has its own reason.
STATUS_TABLE: tuple[tuple[type[ServiceError], grpc.StatusCode, str], ...] = (
    (TooManyItems, grpc.StatusCode.INVALID_ARGUMENT, "TOO_MANY_ITEMS"),
    (MalformedRequest, grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_REQUEST"),
    (InvalidOptions, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_OPTIONS"),
    (InvalidItem, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ITEM"),
    (InvalidRequest, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST"),
    (TooManyRpcs, grpc.StatusCode.RESOURCE_EXHAUSTED, "TOO_MANY_RPCS"),
    (QueueFull, grpc.StatusCode.RESOURCE_EXHAUSTED, "QUEUE_FULL"),
    (PrmQueueFull, grpc.StatusCode.RESOURCE_EXHAUSTED, "PRM_QUEUE_FULL"),
    (RequestBytesOverBudget, grpc.StatusCode.RESOURCE_EXHAUSTED, "REQUEST_BYTES_OVER_BUDGET"),
    (Overloaded, grpc.StatusCode.RESOURCE_EXHAUSTED, "OVERLOADED"),
    (Draining, grpc.StatusCode.UNAVAILABLE, "DRAINING"),
    (NotReady, grpc.StatusCode.UNAVAILABLE, "NOT_READY"),
    (Unavailable, grpc.StatusCode.UNAVAILABLE, "UNAVAILABLE"),
    (Unauthenticated, grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED"),
    (DeadlineTooShort, grpc.StatusCode.DEADLINE_EXCEEDED, "DEADLINE_TOO_SHORT"),
    (RequestNotReceived, grpc.StatusCode.DEADLINE_EXCEEDED, "REQUEST_NOT_RECEIVED"),
    (NotConfigured, grpc.StatusCode.UNIMPLEMENTED, "NOT_CONFIGURED"),
    (PrmRequired, grpc.StatusCode.FAILED_PRECONDITION, "PRM_NOT_CONFIGURED"),
)

# RESOURCE_EXHAUSTED reasons that mean "overloaded, try again": the client retries only these.
# grpc-core also answers RESOURCE_EXHAUSTED for a message over the size limit, without an
# ErrorInfo; retrying that would fail the same way, so it is not retried.
RETRYABLE_OVERLOAD_REASONS = frozenset({"TOO_MANY_RPCS", "QUEUE_FULL", "PRM_QUEUE_FULL",
                                        "OVERLOADED", "REQUEST_BYTES_OVER_BUDGET"})

# Longest status message and ErrorInfo metadata value sent back. A message that echoes client
# text (an unknown preset name) must stay far below grpc's 8 KiB metadata limit: a larger
# trailer is dropped by the client, which then reports RESOURCE_EXHAUSTED instead of the error.
MAX_MESSAGE_CHARS = 1000
MAX_METADATA_VALUE_CHARS = 200


def clip(text: str, limit: int) -> str:
    """`text`, cut to `limit` characters with a marker saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters]"


def status_of(error: ServiceError) -> tuple[grpc.StatusCode, str]:
    """The (code, reason) row of STATUS_TABLE for an error."""
    for cls, code, reason in STATUS_TABLE:
        if isinstance(error, cls):
            return code, reason
    return grpc.StatusCode.INTERNAL, "INTERNAL"


def to_grpc_status(error: ServiceError) -> grpc.Status:
    """The gRPC status (code, message, ErrorInfo trailer) that answers `error`."""
    code, reason = status_of(error)
    info = error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN, metadata=error.metadata)
    detail = any_pb2.Any()
    detail.Pack(info)
    message = clip(error.message, MAX_MESSAGE_CHARS)
    status = status_pb2.Status(code=code.value[0], message=message, details=[detail])
    return rpc_status.to_status(status)


async def abort_with(context: grpc.aio.ServicerContext, error: ServiceError) -> NoReturn:
    """End the RPC with `error`'s status and ErrorInfo (raises grpc's AbortError)."""
    status = to_grpc_status(error)
    await context.abort(status.code, status.details, status.trailing_metadata)
    raise AssertionError("unreachable: context.abort raises")


def error_info(error: grpc.RpcError) -> error_details_pb2.ErrorInfo | None:
    """The ErrorInfo detail of a failed call (sync or aio), or None when there is none."""
    trailing = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    for key, value in trailing or ():
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                return info
    return None


class RewardRpcError(MathRewardError):
    """A failed call as the client reports it: code, message and the server's ErrorInfo reason."""

    def __init__(self, code: grpc.StatusCode, details: str, reason: str = "",
                 metadata: dict[str, str] | None = None, attempts: int = 1) -> None:
        super().__init__(f"{code.name}: {details}" + (f" ({reason})" if reason else ""))
        self.code = code
        self.details = details
        self.reason = reason  # ErrorInfo.reason, "" when the server sent none
        self.metadata = metadata or {}
        self.attempts = attempts  # how many tries the client made

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError, attempts: int = 1) -> RewardRpcError:
        info = error_info(error)
        return cls(error.code(), error.details() or "", info.reason if info else "",
                   dict(info.metadata) if info else {}, attempts)
