"""A bounded chaos run: a real `mathreward serve`, attacked the ways issue 13 lists, for N s.

    PYTHONPATH=. .venv/bin/python -m bench.chaos --seconds 60            # the whole run
    PYTHONPATH=. .venv/bin/python -m bench.chaos --only memory           # 16 near-limit requests
    PYTHONPATH=. .venv/bin/python -m bench.chaos --seconds 60 --json out.json

While a well-behaved trainer sends batches (with its token) and a prober checks health every
100 ms, attackers run concurrently: streams cancelled mid-way, consumers that stop reading,
deadlines that expire mid-stream, malformed protobuf, calls without a token, calls that never
send their request (raw HTTP/2, headers only), CR/LF in x-request-id, 1 MB preset names and
1e308 specs, bursts of 12 simultaneous 1,024-item requests, near-limit messages, pathological
answers, and a verifier worker SIGKILLed every few seconds. At the end the server gets SIGTERM.

Printed: requests and items tried per actor, crashes (server exit before SIGTERM), items lost
(answers missing from OK responses, or TIMEOUT verdicts on the trainer's items), status codes,
the worst health stall, peak server RSS and fd counts, and the exit code. Nothing here asserts:
it measures (tests/reliability asserts).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mathreward._pb import reward_pb2 as pb
from mathreward._pb import reward_pb2_grpc
from mathreward.loadtest.server_proc import LocalServer, worker_pids

SERVICE = "/mathreward.v1.RewardService/"
TOKEN = "chaos-token"
AUTH = (("authorization", f"Bearer {TOKEN}"),)


@dataclass
class Tally:
    """What one actor tried and what came back."""

    requests: int = 0
    items: int = 0
    lost: int = 0  # items missing from an OK answer, or TIMEOUT verdicts where none is due
    codes: collections.Counter = field(default_factory=collections.Counter)

    def code(self, code: grpc.StatusCode | str) -> None:
        self.codes[code.name if isinstance(code, grpc.StatusCode) else code] += 1


def symbolic_items(n: int, tag: str) -> list[pb.VerifyItem]:
    base = random.randrange(10**6, 10**9)
    return [pb.VerifyItem(id=f"{tag}{i}",
                          response=rf"\boxed{{\frac{{{2 * (base + i)}}}{{2x+{2 * (base + i)}}}}}",
                          gold=rf"\frac{{{base + i}}}{{x+{base + i}}}") for i in range(n)]


def _stat(pid: int) -> tuple[int, int]:
    """(RSS bytes, open fds) of the process `pid` (its own, without the workers)."""
    try:
        rss_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0, 0
    return rss_pages * os.sysconf("SC_PAGE_SIZE"), fds


class Chaos:
    def __init__(self, server: LocalServer, seconds: float, skip: frozenset[str] = frozenset()
                 ) -> None:
        self.server = server
        self.skip = skip
        self.address = server.address
        self.until = time.monotonic() + seconds
        self.tallies: dict[str, Tally] = collections.defaultdict(Tally)
        self.worst_health_s = 0.0
        self.health_failures = 0
        self.peak_rss = 0
        self.peak_fds = 0
        self.start_rss, self.start_fds = _stat(server.process.pid)

    def running(self) -> bool:
        return time.monotonic() < self.until and self.server.process.poll() is None

    # -- observers ------------------------------------------------------------------------------
    async def prober(self) -> None:
        async with grpc.aio.insecure_channel(self.address) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while self.running():
                start = time.monotonic()
                try:
                    await stub.Check(health_pb2.HealthCheckRequest(), timeout=30)
                except grpc.aio.AioRpcError:
                    self.health_failures += 1
                self.worst_health_s = max(self.worst_health_s, time.monotonic() - start)
                await asyncio.sleep(0.1)

    async def sampler(self) -> None:
        while self.running():
            rss, fds = _stat(self.server.process.pid)
            self.peak_rss, self.peak_fds = max(self.peak_rss, rss), max(self.peak_fds, fds)
            await asyncio.sleep(0.2)

    # -- the well-behaved trainer ---------------------------------------------------------------
    async def trainer(self, stub: Any) -> None:
        tally = self.tallies["trainer VerifyAnswers x64"]
        while self.running():
            items = symbolic_items(64, "t")
            tally.requests += 1
            tally.items += len(items)
            try:
                reply = await stub.VerifyAnswers(pb.VerifyAnswersRequest(items=items),
                                                 metadata=AUTH, timeout=60)
            except grpc.aio.AioRpcError as error:
                tally.code(error.code())
                await asyncio.sleep(0.2)  # backoff, as the client would
                continue
            tally.code("OK")
            tally.lost += len(items) - len(reply.results)
            tally.lost += sum(r.verdict == pb.VERDICT_TIMEOUT for r in reply.results)

    # -- attackers ------------------------------------------------------------------------------
    async def stream_enders(self, stub: Any) -> None:
        tally = self.tallies["streams ended early"]
        n = 0
        while self.running():
            n += 1
            items = symbolic_items(200, "s")
            tally.requests += 1
            tally.items += len(items)
            way = n % 3
            call = stub.VerifyAnswersStream(pb.VerifyAnswersRequest(items=items), metadata=AUTH,
                                            timeout=0.3 if way == 2 else 60)
            try:
                await call.read()
                if way == 0:
                    call.cancel()
                    tally.code("CANCELLED(client)")
                elif way == 1:
                    await asyncio.sleep(0.05)
                    call.cancel()
                    tally.code("CANCELLED(consumer stopped)")
                else:
                    while await call.read() is not grpc.aio.EOF:
                        pass
                    tally.code("OK")
            except grpc.aio.AioRpcError as error:
                tally.code(error.code())

    async def malformed(self, channel: grpc.aio.Channel) -> None:
        tally = self.tallies["malformed protobuf"]
        methods = ("VerifyAnswers", "ScoreSteps", "ComputeReward")
        while self.running():
            payload = bytes(random.getrandbits(8) for _ in range(random.randrange(1, 64)))
            payload = b"\x0a\x64" + payload  # a length that runs past the end: never valid
            tally.requests += 1
            call = channel.unary_unary(SERVICE + random.choice(methods))
            try:
                await call(payload, metadata=AUTH, timeout=10)
                tally.code("OK")
            except grpc.aio.AioRpcError as error:
                tally.code(error.code())
            await asyncio.sleep(0.01)

    async def no_token(self, channel: grpc.aio.Channel) -> None:
        tally = self.tallies["no token, 4 MB body"]
        body = pb.VerifyAnswersRequest(items=[pb.VerifyItem(id="x", response="y" * 60_000,
                                                            gold="1")] * 64).SerializeToString()
        while self.running():
            tally.requests += 1
            try:
                await channel.unary_unary(SERVICE + "VerifyAnswers")(body, timeout=10)
                tally.code("OK")
            except grpc.aio.AioRpcError as error:
                tally.code(error.code())
            await asyncio.sleep(0.02)

    async def bad_specs(self, stub: Any) -> None:
        tally = self.tallies["1 MB preset / 1e308 spec"]
        item = pb.ComputeRewardItem(id="a", response=r"\boxed{1}", gold="1")
        specs = [pb.RewardSpec(preset="p" * 1_000_000),
                 pb.RewardSpec(orm_weight=1e308, correct_reward=1e308)]
        while self.running():
            for spec in specs:
                tally.requests += 1
                tally.items += 1
                try:
                    reply = await stub.ComputeReward(pb.ComputeRewardRequest(items=[item],
                                                                             spec=spec),
                                                     metadata=AUTH, timeout=10)
                    tally.code("OK")
                    tally.lost += sum(r.reward != r.reward or abs(r.reward) == float("inf")
                                      for r in reply.results)
                except grpc.aio.AioRpcError as error:
                    tally.code(error.code())
            await asyncio.sleep(0.2)

    async def overload(self, stub: Any) -> None:
        tally = self.tallies["bursts of 12 x 1,024 items"]
        while self.running():
            calls = []
            for _ in range(12):
                items = symbolic_items(1024, "o")
                tally.requests += 1
                tally.items += len(items)
                calls.append(stub.VerifyAnswers(pb.VerifyAnswersRequest(items=items),
                                                metadata=AUTH, timeout=120))
            for outcome in await asyncio.gather(*calls, return_exceptions=True):
                if isinstance(outcome, grpc.aio.AioRpcError):
                    tally.code(outcome.code())
                else:
                    tally.code("OK")
                    tally.lost += 1024 - len(outcome.results)
                    tally.lost += sum(r.verdict == pb.VERDICT_TIMEOUT for r in outcome.results)

    async def pathological(self, stub: Any) -> None:
        tally = self.tallies["pathological answers"]
        items = [pb.VerifyItem(id="nested", response="\\boxed{" * 8000 + "1" + "}" * 8000,
                               gold="1"),
                 pb.VerifyItem(id="tower", response=r"\boxed{10^{10^{10^{10}}}}", gold="1"),
                 pb.VerifyItem(id="digits", response=r"\boxed{" + "9" * 60000 + "}", gold="1")]
        while self.running():
            tally.requests += 1
            tally.items += len(items)
            try:
                reply = await stub.VerifyAnswers(pb.VerifyAnswersRequest(items=items),
                                                 metadata=AUTH, timeout=60)
                tally.code("OK")
                tally.lost += len(items) - len(reply.results)
            except grpc.aio.AioRpcError as error:
                tally.code(error.code())
            await asyncio.sleep(1.0)

    async def headers_only(self) -> None:
        """Raw HTTP/2: open streams with headers only, hold them, count how they end."""
        tally = self.tallies["headers only (raw HTTP/2)"]
        from h2.config import H2Configuration
        from h2.connection import H2Connection
        from h2.events import ResponseReceived, StreamEnded, StreamReset, TrailersReceived

        loop = asyncio.get_running_loop()
        while self.running():
            host, port = self.address.rsplit(":", 1)
            sock = socket.create_connection((host, int(port)))
            sock.setblocking(False)
            conn = H2Connection(H2Configuration(client_side=True, validate_outbound_headers=False))
            conn.initiate_connection()
            ids = []
            for _ in range(100):
                stream_id = conn.get_next_available_stream_id()
                headers = [(":method", "POST"), (":scheme", "http"),
                           (":path", SERVICE + "VerifyAnswers"), (":authority", self.address),
                           ("content-type", "application/grpc"), ("te", "trailers"),
                           ("x-request-id", "id\r\nFORGED log line"), *AUTH]
                conn.send_headers(stream_id, headers)
                ids.append(stream_id)
            await loop.sock_sendall(sock, conn.data_to_send())
            tally.requests += len(ids)
            open_ids = set(ids)
            try:
                while open_ids and time.monotonic() < self.until + 30:
                    data = await asyncio.wait_for(loop.sock_recv(sock, 65536), timeout=30)
                    if not data:
                        break
                    for event in conn.receive_data(data):
                        # An abort before any response is "trailers only": one HEADERS frame.
                        if isinstance(event, TrailersReceived | ResponseReceived) and any(
                                k == b"grpc-status" for k, _ in event.headers):
                            status = dict(event.headers).get(b"grpc-status", b"?").decode()
                            tally.code(f"grpc-status {status}")
                        if isinstance(event, StreamEnded | StreamReset):
                            open_ids.discard(event.stream_id)
                    await loop.sock_sendall(sock, conn.data_to_send())
            except (TimeoutError, OSError):
                pass
            if open_ids:
                tally.code("still open")
                tally.codes["still open"] += len(open_ids) - 1
            sock.close()

    async def worker_killer(self) -> None:
        tally = self.tallies["worker SIGKILL"]
        pid = self.server.process.pid
        while self.running():
            await asyncio.sleep(5.0)
            workers = worker_pids(pid)
            if workers:
                tally.requests += 1
                try:
                    os.kill(random.choice(workers), signal.SIGKILL)
                    tally.code("killed")
                except OSError:
                    pass

    async def run(self) -> None:
        async with grpc.aio.insecure_channel(self.address) as channel:
            stub = reward_pb2_grpc.RewardServiceStub(channel)
            actors = {
                "trainer": [self.trainer(stub), self.trainer(stub)],
                "streams": [self.stream_enders(stub)], "malformed": [self.malformed(channel)],
                "no-token": [self.no_token(channel)], "specs": [self.bad_specs(stub)],
                "overload": [self.overload(stub)], "pathological": [self.pathological(stub)],
                "headers-only": [self.headers_only()], "kill": [self.worker_killer()]}
            work = [c for name, coros in actors.items() for c in coros if name not in self.skip]
            for name in self.skip:  # created but not run: close them
                for coro in actors.get(name, []):
                    coro.close()
            await asyncio.gather(self.prober(), self.sampler(), *work)


def _reason(error: grpc.aio.AioRpcError) -> str:
    from mathreward.errors import error_info

    info = error_info(error)
    return info.reason if info is not None else (error.details() or "")[:60]


# -- memory: 16 concurrent near-limit requests -------------------------------------------------

async def memory_run(server: LocalServer, concurrent: int, items: int, text_bytes: int
                     ) -> dict[str, Any]:
    """Send `concurrent` requests of `items` x `text_bytes` at once; peak RSS of the server."""
    pid = server.process.pid
    start_rss, _ = _stat(pid)
    peak = [start_rss]
    body = pb.VerifyAnswersRequest(items=[
        pb.VerifyItem(id=str(i), response="z" * text_bytes + rf"\boxed{{{i}}}", gold=str(i))
        for i in range(items)]).SerializeToString()
    codes: collections.Counter = collections.Counter()

    async def sample() -> None:
        while True:
            peak[0] = max(peak[0], _stat(pid)[0])
            await asyncio.sleep(0.05)

    sampler = asyncio.ensure_future(sample())
    options = [("grpc.max_send_message_length", 256 * 1024 * 1024)]
    async with grpc.aio.insecure_channel(server.address, options=options) as channel:
        call = channel.unary_unary(SERVICE + "VerifyAnswers")
        outcomes = await asyncio.gather(*[call(body, metadata=AUTH, timeout=300)
                                          for _ in range(concurrent)], return_exceptions=True)
        for outcome in outcomes:
            codes[f"{outcome.code().name} ({_reason(outcome)})"
                  if isinstance(outcome, grpc.aio.AioRpcError) else "OK"] += 1
        no_token = await asyncio.gather(*[call(body, timeout=300) for _ in range(concurrent)],
                                        return_exceptions=True)
        for outcome in no_token:
            codes["no token: " + (outcome.code().name
                                  if isinstance(outcome, grpc.aio.AioRpcError) else "OK")] += 1
    sampler.cancel()
    await asyncio.sleep(1.0)
    end_rss, _ = _stat(pid)
    return {"message_mb": round(len(body) / 2**20, 1), "concurrent": concurrent,
            "rss_start_mb": round(start_rss / 2**20), "rss_peak_mb": round(peak[0] / 2**20),
            "rss_end_mb": round(end_rss / 2**20), "codes": dict(codes)}


# -- report ----------------------------------------------------------------------------------

def report(chaos: Chaos, seconds: float, exit_code: int | None, crashed: bool) -> str:
    rows = ["| actor | requests | items | items lost | statuses |", "|---|---:|---:|---:|---|"]
    for name, tally in chaos.tallies.items():
        codes = ", ".join(f"{code} {count}" for code, count in sorted(tally.codes.items()))
        rows.append(f"| {name} | {tally.requests} | {tally.items} | {tally.lost} | {codes} |")
    total_lost = sum(t.lost for t in chaos.tallies.values())
    rows += ["", "| server | value |", "|---|---:|",
             f"| run length | {seconds:.0f} s |",
             f"| crashes (exit before SIGTERM) | {int(crashed)} |",
             f"| items lost (all actors) | {total_lost} |",
             f"| worst health stall | {chaos.worst_health_s:.2f} s |",
             f"| failed health checks | {chaos.health_failures} |",
             f"| RSS start / peak | {chaos.start_rss / 2**20:.0f} / "
             f"{chaos.peak_rss / 2**20:.0f} MB |",
             f"| open fds start / peak | {chaos.start_fds} / {chaos.peak_fds} |",
             f"| exit code after SIGTERM | {exit_code} |"]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=("all", "memory"), default="all")
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--skip", default="", help="comma-separated actors to leave out: "
                        "trainer, streams, malformed, no-token, specs, overload, pathological, "
                        "headers-only, kill")
    parser.add_argument("--max-queued-items", type=int, default=4096,
                        help="the server's queue limit (small, so bursts are shed)")
    parser.add_argument("--serve-args", default="", help="more `mathreward serve` flags")
    parser.add_argument("--concurrent", type=int, default=16, help="memory: requests at once")
    parser.add_argument("--items", type=int, default=3500, help="memory: items per request")
    parser.add_argument("--text-bytes", type=int, default=16_000,
                        help="memory: response bytes per item")
    args = parser.parse_args(argv)
    os.environ["MATHREWARD_TOKEN"] = TOKEN
    extra = ("--grace-period", "20", "--max-queued-items", str(args.max_queued_items),
             *args.serve_args.split())
    if args.only == "all":  # (the memory run uses no new flag, so it also runs on old code)
        extra += ("--request-receive-timeout", "5")
    with LocalServer(workers=args.workers, extra_args=extra) as server:
        if args.only == "memory":
            figures = asyncio.run(memory_run(server, args.concurrent, args.items,
                                             args.text_bytes))
            print(json.dumps(figures, indent=2))
        else:
            chaos = Chaos(server, args.seconds, frozenset(filter(None, args.skip.split(","))))
            started = time.monotonic()
            asyncio.run(chaos.run())
            crashed = server.process.poll() is not None
            exit_code = server.stop(timeout_s=60)
            text = report(chaos, time.monotonic() - started, exit_code, crashed)
            print(text)
            figures = {"report": text}
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
