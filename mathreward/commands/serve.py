"""`mathreward serve`: run the gRPC reward service until SIGTERM/SIGINT (then exit 0).

    .venv/bin/mathreward serve --host 0.0.0.0 --port 50051 --metrics-port 9090 --workers 2
    .venv/bin/mathreward serve --no-prm --token-file /run/secrets/token \\
        --tls-cert server.pem --tls-key server.key [--tls-client-ca ca.pem]
    .venv/bin/mathreward serve --http-port 5000 --http-spec orm_deepscaler   # OpenRLHF gateway

The bundled PRM (prm/weights, on the GPU when there is one, else the CPU) is loaded by default;
`--prm PATH` loads another checkpoint, `--no-prm` runs the verifier only (ScoreSteps answers
UNIMPLEMENTED). The bearer token comes from `--token-file` or the MATHREWARD_TOKEN environment
variable (no token: no auth). This module is the only reader of these flags and variables.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
from pathlib import Path
from typing import Any

from mathreward.config import HttpLimits, Limits, ServerConfig, TlsConfig
from mathreward.logs import configure_logging
from verifier.pool import PoolConfig

log = logging.getLogger("mathreward.serve")
_D = ServerConfig()
_L = Limits()
_P = PoolConfig()
_H = HttpLimits()


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("serve", help="run the gRPC reward service",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default=_D.host)
    p.add_argument("--port", type=int, default=_D.port)
    p.add_argument("--metrics-port", type=int, default=_D.metrics_port,
                   help="Prometheus /metrics port; 0 = any free port; negative = off")
    p.add_argument("--metrics-host", default=None,
                   help="address /metrics binds (default: --host)")
    p.add_argument("--metrics-no-auth", action="store_true",
                   help="serve /metrics without the bearer token even when the server has one")
    p.add_argument("--http-port", type=int, default=None,
                   help="OpenRLHF HTTP gateway (POST /get_reward); off by default")
    p.add_argument("--http-spec", default="orm", metavar="SPEC",
                   help="the gateway's reward spec when a request names none (OpenRLHF never "
                   "does): a preset name or a JSON object of RewardSpec fields")
    p.add_argument("--http-header-timeout", type=float, default=_H.header_timeout_s,
                   help="seconds an HTTP client has to send complete request headers (also "
                   "the keep-alive idle time), gateway and /metrics")
    p.add_argument("--http-body-timeout", type=float, default=_H.body_timeout_s,
                   help="seconds a gateway client has to send the whole body")
    p.add_argument("--http-max-connections", type=int, default=_H.max_connections,
                   help="open connections per HTTP port; more wait in the listen backlog")
    p.add_argument("--http-backlog", type=int, default=_H.backlog,
                   help="listen backlog of each HTTP port (capped by net.core.somaxconn)")
    p.add_argument("--http-max-body-bytes", type=int, default=_H.max_body_bytes,
                   help="largest /get_reward body (413 above)")
    prm = p.add_mutually_exclusive_group()
    prm.add_argument("--prm", metavar="PATH_OR_ID",
                     help="PRM checkpoint: a directory, or a Hugging Face model id found in the "
                     "local cache (HF_HOME; never downloaded). Default: bundled. Families: "
                     "docs/prm-checkpoints.md")
    prm.add_argument("--no-prm", action="store_true", help="serve without a PRM")
    p.add_argument("--prm-device", default="auto", help="auto | cpu | cuda | cuda:N")
    p.add_argument("--prm-encode-processes", type=int, default=0, metavar="N",
                   help="encode PRM inputs on N worker processes (0: a thread in the server; "
                   "use spare cores on a GPU host)")
    p.add_argument("--prm-threads", type=int, default=None, metavar="N",
                   help="torch CPU threads for PRM inference (default: the cores this process "
                   "may use, less one for encoding)")
    p.add_argument("--workers", type=int, default=_P.workers, help="verifier worker processes")
    p.add_argument("--item-timeout", type=float, default=_P.item_timeout_s,
                   help="wall-clock seconds per verifier item")
    p.add_argument("--memory-limit-mb", type=int, default=_P.memory_limit_mb)
    p.add_argument("--token-file", help="bearer token file (else env MATHREWARD_TOKEN)")
    p.add_argument("--tls-cert", help="server certificate chain (PEM)")
    p.add_argument("--tls-key", help="server private key (PEM)")
    p.add_argument("--tls-client-ca", help="CA for client certificates: enables mTLS")
    p.add_argument("--max-items", type=int, default=_L.max_items_per_request)
    p.add_argument("--max-text-bytes", type=int, default=_L.max_text_bytes)
    p.add_argument("--max-message-bytes", type=int, default=_L.max_receive_message_bytes)
    p.add_argument("--max-concurrent-rpcs", type=int, default=_L.max_concurrent_rpcs)
    p.add_argument("--max-queued-items", type=int, default=_L.max_queued_items)
    p.add_argument("--max-steps-per-item", type=int, default=_L.max_steps_per_item,
                   help="PRM steps per item; more: status too_long, never encoded")
    p.add_argument("--max-step-bytes", type=int, default=_L.max_step_bytes,
                   help="bytes per PRM step; more: status too_long, never encoded")
    p.add_argument("--max-inflight-request-bytes", type=int,
                   default=_L.max_inflight_request_bytes,
                   help="request message bytes held by calls in flight (RESOURCE_EXHAUSTED)")
    p.add_argument("--request-receive-timeout", type=float,
                   default=_L.request_receive_timeout_s,
                   help="seconds from a call's headers to its whole request message")
    p.add_argument("--grace-period", type=float, default=_D.grace_period_s,
                   help="seconds in-flight RPCs get to finish on SIGTERM")
    p.add_argument("--drain-delay", type=float, default=_D.drain_delay_s,
                   help="seconds between health NOT_SERVING and closing the port on SIGTERM")
    p.add_argument("--max-connection-age-ms", type=int, default=None,
                   help="close client connections after this long (rebalances behind a LB)")
    p.add_argument("--max-connection-age-grace-ms", type=int, default=None,
                   help="time RPCs on a closing connection get to finish (default: unlimited)")
    p.add_argument("--log-format", choices=("json", "text"), default=_D.log_format)
    p.add_argument("--log-level", default=_D.log_level)
    p.set_defaults(func=run)


def _token(args: argparse.Namespace) -> str | None:
    if args.token_file:
        token = Path(args.token_file).read_text().strip()
    else:
        token = os.environ.get("MATHREWARD_TOKEN", "").strip()
    return token or None


def _tls(args: argparse.Namespace) -> TlsConfig | None:
    if not (args.tls_cert or args.tls_key or args.tls_client_ca):
        return None
    if not (args.tls_cert and args.tls_key):
        raise SystemExit("--tls-cert and --tls-key go together")
    return TlsConfig(args.tls_cert, args.tls_key, args.tls_client_ca)


def _prm_config(args: argparse.Namespace) -> Any:
    """PrmConfig, or None: --no-prm, or no engine / bundled weights in this build yet."""
    if args.no_prm:
        return None
    if importlib.util.find_spec("prm.engine") is None or importlib.util.find_spec("torch") is None:
        hint = "the PRM needs the prm extra: pip install 'mathreward[prm]'"
        if args.prm:
            raise SystemExit(f"mathreward serve: --prm given, but {hint}")
        log.warning("serving the verifier only (no PRM): %s", hint)
        return None
    if args.prm is None:
        weights = Path(importlib.util.find_spec("prm").origin).parent / "weights"
        if not weights.is_dir() or not any(weights.glob("*.safetensors")):
            log.warning("no bundled PRM weights in %s; serving without PRM", weights)
            return None
    from prm.hub import CheckpointNotFound, resolve_checkpoint  # no torch

    model_path = args.prm
    if model_path is not None:
        try:  # a directory, or a model id in the local HF cache: one clear line if neither
            model_path = resolve_checkpoint(model_path)
        except CheckpointNotFound as exc:
            raise SystemExit(f"error: {exc}") from None
    from prm.types import PrmConfig  # the contract: no torch until the engine starts

    if args.prm_encode_processes < 0:
        raise SystemExit("--prm-encode-processes must be >= 0")
    if args.prm_threads is not None and args.prm_threads < 1:
        raise SystemExit("--prm-threads must be >= 1")
    return PrmConfig(model_path=model_path, device=args.prm_device,
                     encode_processes=args.prm_encode_processes, threads=args.prm_threads)


def _http_spec(args: argparse.Namespace, prm: Any) -> Any:
    from mathreward.http_gateway import parse_spec
    from mathreward.reward_spec import SpecError

    try:
        spec = parse_spec(args.http_spec)
    except SpecError as exc:
        raise SystemExit(f"--http-spec: {exc}") from None
    if spec.needs_prm and prm is None:
        raise SystemExit(f"--http-spec {spec.label} needs the PRM; this server runs without one")
    return spec


def _http_limits(args: argparse.Namespace) -> HttpLimits:
    limits = HttpLimits(header_timeout_s=args.http_header_timeout,
                        body_timeout_s=args.http_body_timeout,
                        max_connections=args.http_max_connections, backlog=args.http_backlog,
                        max_body_bytes=args.http_max_body_bytes)
    if min(limits.header_timeout_s, limits.body_timeout_s) <= 0 or min(
            limits.max_connections, limits.backlog, limits.max_body_bytes) < 1:
        raise SystemExit("--http-* timeouts and sizes must be positive")
    return limits


def build_config(args: argparse.Namespace) -> ServerConfig:
    limits = Limits(max_items_per_request=args.max_items, max_text_bytes=args.max_text_bytes,
                    max_receive_message_bytes=args.max_message_bytes,
                    max_concurrent_rpcs=args.max_concurrent_rpcs,
                    max_queued_items=args.max_queued_items,
                    max_steps_per_item=args.max_steps_per_item,
                    max_step_bytes=args.max_step_bytes,
                    max_inflight_request_bytes=args.max_inflight_request_bytes,
                    request_receive_timeout_s=args.request_receive_timeout)
    pool = PoolConfig(workers=args.workers, item_timeout_s=args.item_timeout,
                      memory_limit_mb=args.memory_limit_mb)
    prm = _prm_config(args)
    return ServerConfig(
        host=args.host, port=args.port,
        metrics_port=None if args.metrics_port < 0 else args.metrics_port,
        metrics_host=args.metrics_host, metrics_auth=not args.metrics_no_auth,
        http_port=args.http_port, http_spec=_http_spec(args, prm), http=_http_limits(args),
        pool=pool, prm=prm, limits=limits,
        auth_token=_token(args), tls=_tls(args), grace_period_s=args.grace_period,
        drain_delay_s=args.drain_delay, max_connection_age_ms=args.max_connection_age_ms,
        max_connection_age_grace_ms=args.max_connection_age_grace_ms,
        log_format=args.log_format, log_level=args.log_level)


def run(args: argparse.Namespace) -> int:
    configure_logging(args.log_format, args.log_level)
    from mathreward.server import serve  # grpc is imported after flags are parsed

    return asyncio.run(serve(build_config(args)))
