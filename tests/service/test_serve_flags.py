"""`mathreward serve` flags and environment -> the frozen ServerConfig (no server started).

    .venv/bin/pytest tests/service/test_serve_flags.py -q
"""

from __future__ import annotations

import pytest

from mathreward.cli import build_parser
from mathreward.commands.serve import build_config


def config_for(*argv: str):
    return build_config(build_parser().parse_args(["serve", "--no-prm", *argv]))


def test_defaults(monkeypatch) -> None:
    monkeypatch.delenv("MATHREWARD_TOKEN", raising=False)
    config = config_for()
    assert (config.host, config.port, config.metrics_port) == ("0.0.0.0", 50051, 9090)
    assert config.prm is None and config.auth_token is None and config.tls is None
    assert config.limits.max_items_per_request == 4096


def test_flags_reach_the_config(monkeypatch) -> None:
    monkeypatch.delenv("MATHREWARD_TOKEN", raising=False)
    config = config_for("--port", "7", "--metrics-port", "-1", "--workers", "3",
                        "--item-timeout", "0.5", "--max-items", "10", "--max-text-bytes", "99",
                        "--max-concurrent-rpcs", "4", "--max-queued-items", "20",
                        "--grace-period", "3", "--max-connection-age-ms", "1000",
                        "--http-port", "0")
    assert (config.port, config.metrics_port, config.http_port) == (7, None, 0)
    assert (config.pool.workers, config.pool.item_timeout_s) == (3, 0.5)
    limits = config.limits
    assert (limits.max_items_per_request, limits.max_text_bytes, limits.max_concurrent_rpcs,
            limits.max_queued_items) == (10, 99, 4, 20)
    assert (config.grace_period_s, config.max_connection_age_ms) == (3.0, 1000)


def test_token_from_file_or_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MATHREWARD_TOKEN", "from-env")
    assert config_for().auth_token == "from-env"
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    assert config_for("--token-file", str(token_file)).auth_token == "from-file"
    monkeypatch.setenv("MATHREWARD_TOKEN", "  ")
    assert config_for().auth_token is None  # blank means no auth, never an empty token


def test_tls_flags(tmp_path) -> None:
    config = config_for("--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-client-ca", "ca.pem")
    assert (config.tls.cert_file, config.tls.key_file, config.tls.client_ca_file) == (
        "c.pem", "k.pem", "ca.pem")
    with pytest.raises(SystemExit):
        config_for("--tls-cert", "c.pem")  # a key is required too


def test_prm_flags_reach_the_prm_config() -> None:
    args = build_parser().parse_args(["serve", "--prm-device", "cpu",
                                      "--prm-encode-processes", "3"])
    prm = build_config(args).prm
    assert prm is not None  # the bundled weights are in the tree
    assert (prm.device, prm.encode_processes, prm.model_path) == ("cpu", 3, None)
    with pytest.raises(SystemExit):
        build_config(build_parser().parse_args(["serve", "--prm-encode-processes", "-1"]))


def test_edge_limit_flags_reach_the_config(monkeypatch) -> None:
    monkeypatch.delenv("MATHREWARD_TOKEN", raising=False)
    limits = config_for("--max-steps-per-item", "5", "--max-step-bytes", "300",
                        "--max-inflight-request-bytes", "4096",
                        "--request-receive-timeout", "2.5").limits
    assert (limits.max_steps_per_item, limits.max_step_bytes, limits.max_inflight_request_bytes,
            limits.request_receive_timeout_s) == (5, 300, 4096, 2.5)
