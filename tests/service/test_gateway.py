"""OpenRLHF's `POST /get_reward` gateway and `/metrics` against a real server (port 0): bad input,
limits, the default spec, auth, TLS/mTLS, drain and a burst of concurrent connections.

    .venv/bin/pytest tests/service/test_gateway.py -q

Malformed HTTP goes over raw sockets (no client library would send it); the rest over urllib and
aiohttp's client, which OpenRLHF itself uses. Certificates are made here by the `openssl` CLI.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from mathreward.config import HttpLimits, Limits, TlsConfig
from mathreward.reward_spec import get_preset

PROMPT = "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n"
GOOD = {"query": [PROMPT + "It is \\boxed{4}."], "prompts": [PROMPT], "labels": ["4"]}
WRONG = {"query": [PROMPT + "It is \\boxed{5}."], "prompts": [PROMPT], "labels": ["4"]}


def post(port: int, payload: object, *, path: str = "/get_reward", scheme: str = "http",
         headers: dict[str, str] | None = None, context: ssl.SSLContext | None = None
         ) -> tuple[int, dict, dict]:
    """(status, JSON body, headers) of one POST; HTTP errors are answers too."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = urllib.request.Request(f"{scheme}://127.0.0.1:{port}{path}", data=body,
                                     headers={"Content-Type": "application/json",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60, context=context) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read()), dict(exc.headers)


def get(port: int, path: str, *, scheme: str = "http", headers: dict[str, str] | None = None,
        context: ssl.SSLContext | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(f"{scheme}://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def raw_exchange(port: int, data: bytes, timeout: float = 30) -> bytes:
    """Send raw bytes, read until the server closes (or `timeout`: b"<timeout>" appended)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            received += b"<timeout>"
    return received


def status_and_json(reply: bytes) -> tuple[int, dict]:
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


def closed_by_server(sock: socket.socket, within_s: float) -> bool:
    """Whether the server closes `sock` (EOF or reset) within `within_s` seconds."""
    sock.settimeout(within_s)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


@pytest.fixture
def gateway(make_server):
    return make_server(http_port=0, metrics_port=0, limits=Limits(max_items_per_request=8))


# -- the happy path and routing -----------------------------------------------------------------

def test_get_reward_health_and_routing(gateway) -> None:
    port = gateway.handle.http_port
    status, data, _headers = post(port, {"query": GOOD["query"] + WRONG["query"],
                                         "prompts": [PROMPT, PROMPT], "labels": ["4", "4"]})
    assert status == 200 and data["rewards"] == [1.0, 0.0] and data["scores"] == [1.0, 0.0]
    assert get(port, "/healthz") == (200, b'{"status": "ok"}')
    assert _headers["Server"] == "mathreward"  # no library versions for scanners
    assert get(port, "/get_reward")[0] == 405
    assert post(port, GOOD, path="/elsewhere")[0] == 404


def test_expect_100_continue(gateway) -> None:
    """curl sends `Expect: 100-continue` for bodies over 1 KiB and waits for the go-ahead."""
    body = json.dumps(GOOD).encode()
    with socket.create_connection(("127.0.0.1", gateway.handle.http_port), timeout=30) as sock:
        sock.sendall(b"POST /get_reward HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                     b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
        assert sock.recv(64).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(body)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    status, data = status_and_json(reply)
    assert (status, data["rewards"]) == (200, [1.0])


# -- bad requests: 400 with a JSON error, never 500, a drop or a hang ---------------------------

MALFORMED_HTTP = [
    b"POST /get_reward HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
    b"POST /get_reward HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}",
    b"POST /get_reward HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}",
    b"POST /get_reward HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"zz\r\n{}\r\n0\r\n\r\n",
    b"GARBAGE\r\n\r\n",
]


@pytest.mark.parametrize("request_bytes", MALFORMED_HTTP)
def test_malformed_http_is_a_400_with_a_json_error(gateway, request_bytes: bytes) -> None:
    reply = raw_exchange(gateway.handle.http_port, request_bytes)
    assert not reply.endswith(b"<timeout>"), "the connection hung"
    status, data = status_and_json(reply)
    assert status == 400 and data["error"]
    assert post(gateway.handle.http_port, GOOD)[1]["rewards"] == [1.0]  # and it lives on


def _payload(**changes: object) -> dict:
    payload = dict(GOOD)
    for key, value in changes.items():
        if value is None:
            payload.pop(key)
        else:
            payload[key] = value
    return payload


BAD_BODIES = {
    "not JSON": b"{not json",
    "empty": b"",
    "nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
    "object nested 100,000 deep": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "a list": b"[1, 2]",
    "a string": b'"query"',
    "null": b"null",
    "not UTF-8": b'{"query": ["\xff"]}',
    "labels missing": _payload(labels=None),
    "labels null": _payload(labels=[None]),
    "labels empty string": _payload(labels=[" "]),
    "labels not a list": _payload(labels="4"),
    "label an object": _payload(labels=[{"answer": "4"}]),
    "labels shorter": _payload(labels=[]),
    "prompts missing": _payload(prompts=None),
    "prompts longer": _payload(prompts=[PROMPT, PROMPT]),
    "query missing": _payload(query=None),
    "query a string": _payload(query="x"),
    "query item a number": _payload(query=[4]),
    "unknown spec": _payload(spec="nope"),
    "spec not a name or object": _payload(spec=3),
    "spec with an unknown field": _payload(spec={"orm_weight": 1, "bogus": 2}),
    "spec not finite": b'{"query": ["a"], "prompts": [""], "labels": ["1"], '
                       b'"spec": {"correctReward": 1e400}}',
    "too many items": {"query": ["a"] * 9, "prompts": [""] * 9, "labels": ["1"] * 9},
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_bodies_are_a_400_with_a_json_error(gateway, body: object) -> None:
    status, data, _ = post(gateway.handle.http_port, body)
    assert status == 400, data
    assert isinstance(data["error"], str) and data["error"]


def test_missing_labels_never_become_zero_rewards(gateway) -> None:
    status, data, _ = post(gateway.handle.http_port, _payload(labels=None))
    assert status == 400 and "labels" in data["error"] and "rewards" not in data


def test_an_unknown_huge_spec_name_is_not_echoed(gateway) -> None:
    status, data, _ = post(gateway.handle.http_port, _payload(spec="x" * 1_000_000))
    assert status == 400 and len(data["error"]) < 2_000


def test_body_size_limit_and_body_timeout(make_server) -> None:
    srv = make_server(http_port=0, http=HttpLimits(max_body_bytes=1_000, body_timeout_s=1.0))
    port = srv.handle.http_port
    status, data, _ = post(port, _payload(query=["x" * 2_000]))
    assert status == 413 and data["error"]
    chunked = (b"POST /get_reward HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               + b"400\r\n" + b"x" * 1024 + b"\r\n" + b"400\r\n" + b"x" * 1024 + b"\r\n0\r\n\r\n")
    assert status_and_json(raw_exchange(port, chunked))[0] == 413
    # Headers promise 100 bytes, 10 arrive: answered 408 once the body timeout passes.
    slow = b"POST /get_reward HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"query\":"
    reply = raw_exchange(port, slow)
    assert not reply.endswith(b"<timeout>")
    assert status_and_json(reply)[0] == 408


# -- the default spec (`serve --http-spec`) -----------------------------------------------------

def test_http_spec_sets_the_default_and_requests_may_override_it(make_server) -> None:
    srv = make_server(http_port=0, http_spec=get_preset("orm_deepscaler"))
    port = srv.handle.http_port
    assert post(port, WRONG)[1]["rewards"] == [-1.0]  # orm_deepscaler: -1 when wrong
    assert post(port, _payload(spec="orm", query=WRONG["query"]))[1]["rewards"] == [0.0]
    custom = {"ormWeight": 2.0, "correctReward": 1.0}  # the proto's JSON, as ComputeReward takes
    assert post(port, _payload(spec=custom))[1]["rewards"] == [2.0]


def test_a_prm_spec_on_a_server_without_prm_is_412(gateway) -> None:
    status, data, _ = post(gateway.handle.http_port, _payload(spec="prm_min"))
    assert status == 412 and "PRM" in data["error"]


# -- auth: the token of the gRPC port guards the gateway and /metrics ---------------------------

def test_token_is_required_on_the_gateway_and_metrics(make_server) -> None:
    srv = make_server(http_port=0, metrics_port=0, auth_token="s3cret")
    http, metrics = srv.handle.http_port, srv.handle.metrics_port
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"},
                    {"Authorization": "Basic !!"}):
        status, data, reply_headers = post(http, GOOD, headers=headers)
        assert status == 401 and "bearer token" in data["error"] and "rewards" not in data
        assert reply_headers["WWW-Authenticate"].startswith("Bearer")
        assert get(metrics, "/metrics", headers=headers)[0] == 401
    good = {"Authorization": "Bearer s3cret"}
    assert post(http, GOOD, headers=good)[1]["rewards"] == [1.0]
    status, text = get(metrics, "/metrics", headers=good)
    assert status == 200 and b"mathreward_rejections_total" in text
    basic = "Basic " + base64.b64encode(b"trainer:s3cret").decode()
    assert post(http, GOOD, headers={"Authorization": basic})[1]["rewards"] == [1.0]
    assert get(http, "/healthz")[0] == 200  # probes need no token and get no data
    rejected = srv.metrics.registry.get_sample_value("mathreward_rejections_total",
                                                     {"reason": "UNAUTHENTICATED"})
    assert rejected == 4


def test_openrlhf_style_client_with_the_token_in_the_url(make_server) -> None:
    """OpenRLHF takes only a URL; aiohttp's client sends its user:password as Basic auth."""
    srv = make_server(http_port=0, auth_token="s3cret")

    async def main(url: str) -> tuple[int, dict]:
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=GOOD) as response:
                return response.status, await response.json()

    port = srv.handle.http_port
    status, data = asyncio.run(main(f"http://openrlhf:s3cret@127.0.0.1:{port}/get_reward"))
    assert (status, data["rewards"], data["scores"]) == (200, [1.0], [1.0])
    assert asyncio.run(main(f"http://127.0.0.1:{port}/get_reward"))[0] == 401


def test_metrics_without_auth_when_asked(make_server) -> None:
    srv = make_server(metrics_port=0, auth_token="s3cret", metrics_auth=False)
    assert get(srv.handle.metrics_port, "/metrics")[0] == 200


# -- TLS and mTLS with the gRPC port's files ----------------------------------------------------

def _openssl(cwd: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Path:
    """A CA, a server cert for 127.0.0.1 and a client cert it signed."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl CLI is needed to make test certificates")
    cwd = tmp_path_factory.mktemp("gateway-certs")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl(cwd, "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=gateway-test-ca", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    for name, extensions in (("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"),
                             ("client", "extendedKeyUsage=clientAuth")):
        _openssl(cwd, "req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={name}")
        (cwd / f"{name}.ext").write_text(extensions + "\n")
        _openssl(cwd, "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.pem", "-days", "2",
                 "-extfile", f"{name}.ext")
    return cwd


def _client_context(certs: Path, with_cert: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    if with_cert:
        context.load_cert_chain(str(certs / "client.pem"), str(certs / "client.key"))
    return context


def _refused(port: int, scheme: str, context: ssl.SSLContext | None) -> bool:
    """True when the request gets no HTTP answer at all (handshake refused, reset...)."""
    try:
        post(port, GOOD, scheme=scheme, context=context)
    except (OSError, ssl.SSLError, urllib.error.URLError, ConnectionError):
        return True
    except Exception:  # e.g. http.client.BadStatusLine from a TLS alert read as HTTP
        return True
    return False


def test_tls_on_gateway_and_metrics(make_server, certs: Path) -> None:
    srv = make_server(http_port=0, metrics_port=0,
                      tls=TlsConfig(str(certs / "server.pem"), str(certs / "server.key")))
    context = _client_context(certs, with_cert=False)
    http, metrics = srv.handle.http_port, srv.handle.metrics_port
    assert post(http, GOOD, scheme="https", context=context)[1]["rewards"] == [1.0]
    assert get(metrics, "/metrics", scheme="https", context=context)[0] == 200
    assert _refused(http, "http", None)  # plaintext gets no rewards
    with pytest.raises((OSError, urllib.error.URLError)):
        get(metrics, "/metrics")


def test_mtls_requires_a_client_certificate(make_server, certs: Path) -> None:
    srv = make_server(http_port=0, metrics_port=0, auth_token="t",
                      tls=TlsConfig(str(certs / "server.pem"), str(certs / "server.key"),
                                    client_ca_file=str(certs / "ca.pem")))
    http, metrics = srv.handle.http_port, srv.handle.metrics_port
    token = {"Authorization": "Bearer t"}
    with_cert = _client_context(certs, with_cert=True)
    status, data, _ = post(http, GOOD, scheme="https", context=with_cert, headers=token)
    assert (status, data["rewards"]) == (200, [1.0])
    assert get(metrics, "/metrics", scheme="https", context=with_cert, headers=token)[0] == 200
    without = _client_context(certs, with_cert=False)
    assert _refused(http, "https", without)  # the handshake fails without a client cert
    with pytest.raises((OSError, urllib.error.URLError)):
        get(metrics, "/metrics", scheme="https", context=without, headers=token)
    # ... and the server keeps serving authorised clients.
    assert post(http, GOOD, scheme="https", context=with_cert, headers=token)[0] == 200


# -- /metrics follows --host; drain; bursts; idle connections -----------------------------------

def test_metrics_binds_the_server_host_by_default(make_server) -> None:
    srv = make_server(metrics_port=0, metrics_host=None)
    with pytest.raises(ConnectionRefusedError):  # 127.0.0.2 is loopback too, but not bound
        socket.create_connection(("127.0.0.2", srv.handle.metrics_port), timeout=5).close()
    assert srv.handle.metrics_httpd.edge.sockname[0] == "127.0.0.1"


def test_draining_gateway_answers_503(make_server) -> None:
    srv = make_server(http_port=0)
    srv.drain()
    status, data, headers = post(srv.handle.http_port, GOOD)
    assert status == 503 and "shutting down" in data["error"] and headers["Retry-After"]
    assert get(srv.handle.http_port, "/healthz")[0] == 503


def test_requests_still_running_after_the_grace_period_get_503(make_server, many_items) -> None:
    """A request the grace period cannot finish is answered 503 (retry elsewhere), not a 500
    or a dropped connection."""
    from verifier.pool import PoolConfig, VerifierPool

    pool = VerifierPool(PoolConfig(workers=1, item_timeout_s=2.0))
    pool.start()
    try:
        srv = make_server(pool=pool, http_port=0)
        batch = many_items(1500, "g")  # seconds of grading for one worker
        payload = {"query": [PROMPT + item.response for item in batch],
                   "prompts": [PROMPT] * len(batch), "labels": [item.gold for item in batch]}
        answers: list[tuple[int, dict, dict]] = []
        call = threading.Thread(target=lambda: answers.append(
            post(srv.handle.http_port, payload)))
        call.start()
        give_up = time.monotonic() + 60
        while pool.pending_items == 0:  # until the batch is in the pool
            assert time.monotonic() < give_up, "the batch never reached the pool"
            time.sleep(0.02)
        srv.stop(grace_s=0.5)
        call.join(timeout=60)
    finally:
        pool.close()
    status, data, headers = answers[0]
    assert status == 503 and "stopped before this request finished" in data["error"]
    assert headers["Retry-After"]


def test_a_burst_of_concurrent_connections_is_all_served(gateway) -> None:
    """OpenRLHF opens one connection per sample, all at once (the old backlog of 5 refused
    half of 256)."""
    url = f"http://127.0.0.1:{gateway.handle.http_port}/get_reward"

    async def one(index: int) -> int:
        payload = {"query": [PROMPT + f"\\boxed{{{index}}}"], "prompts": [PROMPT],
                   "labels": [str(index)]}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
            async with session.post(url, json=payload) as response:
                assert (await response.json())["rewards"] == [1.0]
                return response.status

    async def burst() -> list[object]:
        return await asyncio.gather(*(one(i) for i in range(400)), return_exceptions=True)

    results = asyncio.run(burst())
    assert results == [200] * 400, [r for r in results if r != 200][:3]


def test_idle_connections_are_closed_and_the_cap_queues_new_ones(make_server) -> None:
    srv = make_server(http_port=0, metrics_port=0,
                      http=HttpLimits(header_timeout_s=1.0, max_connections=4))
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5)
            for port in (srv.handle.http_port, srv.handle.metrics_port) for _ in range(6)]
    half = socket.create_connection(("127.0.0.1", srv.handle.http_port), timeout=5)
    half.sendall(b"POST /get_reward HTTP/1.1\r\nHo")  # a slowloris: headers never finish
    try:
        # A keep-alive client that got its answer and went quiet is closed too.
        kept = socket.create_connection(("127.0.0.1", srv.handle.http_port), timeout=30)
        idle.append(kept)
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert kept.recv(4096).startswith(b"HTTP/1.1 200")
        # All 4 slots of each port are held by idle clients; this one waits in the backlog and
        # is served once the header timeout has freed a slot.
        assert post(srv.handle.http_port, GOOD)[1]["rewards"] == [1.0]
        assert all(closed_by_server(sock, within_s=30) for sock in [*idle, half])
    finally:
        for sock in [*idle, half]:
            sock.close()


# -- the flags ----------------------------------------------------------------------------------

def serve_config(*argv: str):
    from mathreward.cli import build_parser
    from mathreward.commands.serve import build_config

    return build_config(build_parser().parse_args(["serve", "--no-prm", *argv]))


def test_serve_flags_reach_the_http_config() -> None:
    default = serve_config("--host", "127.0.0.1")
    assert default.metrics_host is None and default.metrics_auth  # /metrics follows --host
    assert default.http_spec == get_preset("orm")
    config = serve_config("--http-port", "0", "--http-spec", "orm_deepscaler", "--metrics-host",
                          "10.0.0.1", "--metrics-no-auth", "--http-header-timeout", "3",
                          "--http-body-timeout", "4", "--http-max-connections", "5",
                          "--http-backlog", "6", "--http-max-body-bytes", "7")
    assert config.http_spec == get_preset("orm_deepscaler")
    assert (config.metrics_host, config.metrics_auth) == ("10.0.0.1", False)
    assert config.http == HttpLimits(header_timeout_s=3, body_timeout_s=4, max_connections=5,
                                     backlog=6, max_body_bytes=7)
    custom = serve_config("--http-spec", '{"ormWeight": 2, "incorrectReward": -1}').http_spec
    assert (custom.orm_weight, custom.incorrect_reward, custom.prm_weight) == (2.0, -1.0, 0.0)


@pytest.mark.parametrize("argv", [("--http-spec", "nope"), ("--http-spec", "prm_min"),
                                  ("--http-spec", '{"bogus": 1}'),
                                  ("--http-header-timeout", "0")])
def test_bad_http_flags_stop_the_server_with_a_message(argv: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as exit_:
        serve_config(*argv)
    assert isinstance(exit_.value.code, str) and exit_.value.code  # a message, not a traceback


# -- fuzzing: whatever a client sends, the answer is a status with JSON, never a 500 ------------

def _fuzz_strategies():
    from hypothesis import strategies as st

    scalars = (st.none() | st.booleans() | st.integers() | st.floats()
               | st.text(max_size=12) | st.just("\\boxed{1}"))
    keys = st.sampled_from(["query", "queries", "prompts", "labels", "spec"]) | st.text(max_size=6)
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(keys, inner, max_size=4), max_leaves=16)
    texts = st.lists(st.text(max_size=24) | st.just("\\boxed{2}"), min_size=1, max_size=3)
    near_valid = st.fixed_dictionaries(
        {"query": texts, "prompts": texts, "labels": st.lists(scalars, max_size=3)},
        optional={"spec": values | st.sampled_from(["orm", "prm_min", "orm_deepscaler"])})
    return st.binary(max_size=64) | values.map(lambda v: json.dumps(v).encode()) | near_valid


def test_fuzzed_bodies_get_a_status_and_a_json_answer(gateway) -> None:
    from hypothesis import HealthCheck, given, settings

    port = gateway.handle.http_port

    @settings(max_examples=150, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(_fuzz_strategies())
    def check(body: object) -> None:
        status, data, _ = post(port, body)
        assert status in (200, 400, 412), (status, data)
        if status == 200:
            assert len(data["rewards"]) == len(data["scores"])
        else:
            assert isinstance(data["error"], str) and data["error"]

    check()
    assert post(port, GOOD)[1]["rewards"] == [1.0]  # and the server lives on


def test_http_requests_are_counted_by_port_and_code(make_server) -> None:
    """Every answered HTTP request is in mathreward_http_requests_total{port, code}: a reward,
    a bad body, a parser-refused request, a scrape."""
    srv = make_server(http_port=0, metrics_port=0)
    port = srv.handle.http_port

    def count(edge: str, code: int) -> float:
        return srv.metrics.registry.get_sample_value(
            "mathreward_http_requests_total", {"port": edge, "code": str(code)}) or 0.0

    assert post(port, _payload())[0] == 200
    assert post(port, {"query": "not a list"})[0] == 400
    raw_exchange(port, b"POST /get_reward HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
    assert get(srv.handle.metrics_port, "/metrics")[0] == 200
    assert count("gateway", 200) == 1
    assert count("gateway", 400) == 2
    assert count("metrics", 200) == 1


def test_numeric_labels_are_graded_as_written(gateway) -> None:
    """A label sent as a JSON number keeps its digits: through a float, 1.0000000000000001
    became 1 and paid `\\boxed{1}` (a wrong answer). NaN is not JSON: a 400."""
    port = gateway.handle.http_port
    body = (b'{"query": ["Q? \\\\boxed{1}", "Q? \\\\boxed{3.141592653589793}"],'
            b' "prompts": ["Q?", "Q?"], "labels": [1.0000000000000001, 3.14159265358979323846]}')
    status, data, _ = post(port, body)
    assert status == 200 and data["rewards"] == [0.0, 0.0], data
    status, data, _ = post(port, b'{"query": ["Q? 1"], "prompts": ["Q?"], "labels": [NaN]}')
    assert status == 400 and data["error"]
