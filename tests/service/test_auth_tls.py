"""Bearer-token auth on and off, TLS and mTLS with certificates made by the `openssl` CLI here.

    .venv/bin/pytest tests/service/test_auth_tls.py -q

(The venv has no `cryptography` package, so the certificates come from the openssl binary.)
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mathreward.client import ClientTls, RetryPolicy, SyncRewardClient
from mathreward.config import TlsConfig
from mathreward.errors import RewardRpcError
from verifier.types import Verdict, VerifyItem

ITEM = [VerifyItem("a", r"\boxed{2}", "2")]
NO_RETRY = RetryPolicy(max_attempts=1)


def test_without_token_configured_no_auth_is_needed(client) -> None:
    assert client.verify_answers(ITEM)[0].verdict is Verdict.CORRECT


def test_bearer_token(make_server) -> None:
    srv = make_server(auth_token="s3cret")
    with SyncRewardClient(srv.address, token="s3cret") as good:
        assert good.verify_answers(ITEM)[0].verdict is Verdict.CORRECT
    for token, message in ((None, "missing bearer token"), ("wrong", "wrong bearer token")):
        with SyncRewardClient(srv.address, token=token, retry=NO_RETRY) as bad:
            with pytest.raises(RewardRpcError) as err:
                bad.verify_answers(ITEM)
            assert (err.value.code, err.value.reason) == (grpc.StatusCode.UNAUTHENTICATED,
                                                          "UNAUTHENTICATED")
            assert message in err.value.details
            with pytest.raises(RewardRpcError) as err:  # streams are guarded too
                list(bad.verify_answers_stream(ITEM))
            assert err.value.code == grpc.StatusCode.UNAUTHENTICATED
            assert bad.health() == "SERVING"  # health is exempt for probes
    rejected = srv.metrics.registry.get_sample_value("mathreward_rejections_total",
                                                     {"reason": "UNAUTHENTICATED"})
    assert rejected == 4  # two clients x (unary + stream)


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _signed_cert(name: str, cn: str, extensions: str, cwd: Path) -> None:
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}", cwd=cwd)
    (cwd / f"{name}.ext").write_text(extensions)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext",
             cwd=cwd)


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl CLI is needed to make test certificates")
    cwd = tmp_path_factory.mktemp("certs")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test-ca",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=cwd)
    _signed_cert("server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                 "extendedKeyUsage=serverAuth\n", cwd)
    _signed_cert("client", "trainer", "extendedKeyUsage=clientAuth\n", cwd)
    return cwd


def test_tls(make_server, certs: Path) -> None:
    srv = make_server(tls=TlsConfig(str(certs / "server.pem"), str(certs / "server.key")))
    tls = ClientTls(root_ca_file=str(certs / "ca.pem"))
    with SyncRewardClient(srv.address, tls=tls) as client:
        assert client.verify_answers(ITEM)[0].verdict is Verdict.CORRECT
    with SyncRewardClient(srv.address, retry=NO_RETRY, timeout_s=5) as plaintext:
        with pytest.raises(RewardRpcError) as err:
            plaintext.verify_answers(ITEM)
        assert err.value.code == grpc.StatusCode.UNAVAILABLE


def test_mtls_needs_a_client_certificate(make_server, certs: Path) -> None:
    srv = make_server(tls=TlsConfig(str(certs / "server.pem"), str(certs / "server.key"),
                                    client_ca_file=str(certs / "ca.pem")), auth_token="t")
    with_cert = ClientTls(root_ca_file=str(certs / "ca.pem"), cert_file=str(certs / "client.pem"),
                          key_file=str(certs / "client.key"))
    with SyncRewardClient(srv.address, tls=with_cert, token="t") as client:
        assert client.verify_answers(ITEM)[0].verdict is Verdict.CORRECT
    without = ClientTls(root_ca_file=str(certs / "ca.pem"))
    with SyncRewardClient(srv.address, tls=without, token="t", retry=NO_RETRY,
                          timeout_s=5) as client:
        with pytest.raises(RewardRpcError) as err:
            client.verify_answers(ITEM)
        assert err.value.code == grpc.StatusCode.UNAVAILABLE  # handshake refused


def test_health_over_tls_like_a_probe(make_server, certs: Path) -> None:
    srv = make_server(tls=TlsConfig(str(certs / "server.pem"), str(certs / "server.key")))
    creds = grpc.ssl_channel_credentials((certs / "ca.pem").read_bytes())
    with grpc.secure_channel(srv.address, creds) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(),
                                                          timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
