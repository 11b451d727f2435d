"""Frozen configuration of the gRPC service, built by `mathreward serve` and passed by constructor.

Only `mathreward/cli.py` and `mathreward/commands/*` read flags and environment variables; every
other module receives these objects. Defaults are the production defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mathreward.reward_spec import DEFAULT_SPEC, RewardSpec
from prm.types import PrmConfig
from verifier.pool import PoolConfig


@dataclass(frozen=True)
class Limits:
    """Request limits. Over a size limit: INVALID_ARGUMENT; overloaded: RESOURCE_EXHAUSTED."""

    max_items_per_request: int = 4096  # items in one request (INVALID_ARGUMENT TOO_MANY_ITEMS)
    # Bytes per text field (response, gold, problem, each step). Over it the item gets a
    # RESOURCE_LIMIT verdict / TOO_LONG status without being graded: an item outcome, not a
    # request failure, so one runaway generation never fails a trainer's batch.
    max_text_bytes: int = 64 * 1024
    # ScoreSteps (and ComputeReward with a PRM term): steps per item and bytes per step. Checked
    # by length before any text reaches the PRM; over them the item gets status TOO_LONG (or
    # verdict RESOURCE_LIMIT in ComputeReward) with the reason, without being encoded.
    max_steps_per_item: int = 256
    max_step_bytes: int = 16 * 1024
    # Whole request message; grpc-core answers RESOURCE_EXHAUSTED (no ErrorInfo) above it.
    # 64 MiB = max_items_per_request (4,096) x 16 KiB, the mean size of an item that this limit
    # lets through at full batch size (a 4k-token response is ~16 KB of text, plus its gold
    # answer and protobuf framing of a few bytes); 1,024 items can each use the whole
    # max_text_bytes (1,024 x 64 KiB = 64 MiB). Larger batches of long texts must be split.
    max_receive_message_bytes: int = 64 * 1024 * 1024
    max_send_message_bytes: int = 64 * 1024 * 1024
    max_concurrent_rpcs: int = 64  # RewardService RPCs at once (RESOURCE_EXHAUSTED TOO_MANY_RPCS)
    max_queued_items: int = 16384  # verifier items queued + running (RESOURCE_EXHAUSTED QUEUE_FULL)
    # Serialized RewardService request bytes held by calls in flight, taken when a message
    # arrives and before it is parsed (over it: RESOURCE_EXHAUSTED OVERLOADED, retryable). A
    # parsed request takes about 2-3x its wire size in Python objects, so the default of
    # 4 full-size messages (256 MiB) bounds request memory near 1 GiB, whatever the number of
    # concurrent callers (docs/reliability.md has the measurement).
    max_inflight_request_bytes: int = 256 * 1024 * 1024
    # Seconds a call may take from its headers to its (complete) request message. A call whose
    # client never sends the message is answered DEADLINE_EXCEEDED (REQUEST_NOT_RECEIVED) and its
    # memory freed; without it, every such call would be held for as long as the connection.
    request_receive_timeout_s: float = 60.0


@dataclass(frozen=True)
class HttpLimits:
    """Each HTTP port (OpenRLHF gateway, /metrics): aiohttp on the server's event loop.

    See mathreward/http_edge.py for how each limit is enforced and docs/gateway.md for why.
    """

    backlog: int = 8192  # listen(2) backlog; the kernel caps it at net.core.somaxconn
    # Open connections per port; beyond it clients wait in the backlog (not refused). Also kept
    # under a quarter of the process's fd limit, so idle clients never starve the gRPC port.
    max_connections: int = 4096
    # Connect (and TLS handshake) -> complete request headers; also the keep-alive idle time.
    header_timeout_s: float = 15.0
    body_timeout_s: float = 60.0  # complete headers -> complete body
    max_body_bytes: int = 64 * 1024 * 1024  # one /get_reward body (413 above)
    # Bodies being read or parsed at once over all gateway connections (429 above): bounds memory.
    max_inflight_body_bytes: int = 512 * 1024 * 1024
    request_timeout_s: float = 180.0  # /get_reward work deadline (OpenRLHF's client waits 180 s)


@dataclass(frozen=True)
class TlsConfig:
    """Server TLS from PEM files; with `client_ca_file` set, clients must present a cert (mTLS)."""

    cert_file: str
    key_file: str
    client_ca_file: str | None = None


@dataclass(frozen=True)
class ServerConfig:
    """Everything `serve()` needs. `prm=None` runs without a PRM (ScoreSteps: UNIMPLEMENTED)."""

    host: str = "0.0.0.0"
    port: int = 50051  # 0 = pick a free port (tests)
    metrics_port: int | None = 9090  # Prometheus /metrics on its own HTTP port; None = off
    metrics_host: str | None = None  # None = the same host as the gRPC port (`host`)
    # /metrics asks for the bearer token too when the server has one (False: open, e.g. bound to
    # a private interface with metrics_host). TLS settings apply to it either way.
    metrics_auth: bool = True
    http_port: int | None = None  # OpenRLHF HTTP gateway (mathreward/http_gateway.py); None = off
    http_spec: RewardSpec = DEFAULT_SPEC  # the gateway's spec when a request names none
    http: HttpLimits = field(default_factory=HttpLimits)
    pool: PoolConfig = field(default_factory=PoolConfig)
    prm: PrmConfig | None = None
    limits: Limits = field(default_factory=Limits)
    auth_token: str | None = None  # required as `authorization: Bearer <token>`; health exempt
    tls: TlsConfig | None = None
    # Seconds kept back from the call deadline to send the answer: the pool deadline is
    # now + time_remaining - margin, so unfinished items come back as TIMEOUT verdicts in time.
    deadline_margin_s: float = 0.1
    # ... plus this much per item: submitting, expiring and converting thousands of items takes
    # time too. On the loaded 2-core dev machine (load ~5) 2,000 items with a 1 s deadline overran
    # it with 100 us/item (DEADLINE_EXCEEDED at 1.09 s) and were answered in 0.64-0.79 s with
    # 250 us/item (one-off measurement; tests/service/test_limits.py checks the 2,000-item case).
    # The whole margin is capped at half the time remaining.
    deadline_margin_per_item_s: float = 250e-6
    grace_period_s: float = 20.0  # on SIGTERM: in-flight RPCs get this long to finish
    # On SIGTERM, seconds between health NOT_SERVING and closing the listener, so load
    # balancers stop routing here first (new RPCs meanwhile get UNAVAILABLE DRAINING).
    drain_delay_s: float = 0.0
    max_connection_age_ms: int | None = None  # grpc.max_connection_age_ms: rebalance long clients
    max_connection_age_grace_ms: int | None = None
    # Clients may ping this often (keepalive); must be <= the client's keepalive_time_ms.
    keepalive_min_ping_interval_ms: int = 10_000
    reflection: bool = True
    log_format: str = "json"  # "json" (one object per line) | "text"
    log_level: str = "INFO"
