"""Locust load test for the mathreward gRPC service: RL-shaped traffic from many simulated trainers.

    .venv/bin/locust -f bench/locustfile.py --headless -u 8 -r 8 -t 60s \
        --host 127.0.0.1:50051 --csv bench/results/locust --html bench/results/locust.html \
        --verify-weight 10 --compute-reward-weight 3 --score-steps-weight 1 \
        --batch-sizes 1,16,64,256,1024 --max-fail-ratio 0.01 --max-p95-ms 5000

Each simulated user holds one gRPC channel and, back to back (no think time: a trainer waits for
its rewards), sends one of the weighted tasks: VerifyAnswers, ComputeReward (preset `orm`, or
`--reward-preset`), ScoreSteps. Every request carries fresh GRPO groups from loadtest.payloads
(16 responses per prompt sharing few final answers, long `<think>` texts, `--hostile-share`
hostile answers) with a batch size drawn from `--batch-sizes`; it is reported to locust as
"<RPC>[<batch size>]", so the statistics are per RPC and batch size. A failed RPC is reported with
its status code (`UNIMPLEMENTED: ...` for ScoreSteps on a server without a PRM, so a task mix
that the server cannot serve shows up by name instead of as a silent zero).

grpc is made gevent-cooperative (`grpc.experimental.gevent.init_gevent()`), the documented way to
run the synchronous grpc client under locust's gevent loop. A headless run exits 1 when the
failure ratio exceeds `--max-fail-ratio` or the overall p95 exceeds `--max-p95-ms` (0 = no limit).
"""

from __future__ import annotations

import random
import sys
import time
from typing import Any

from grpc.experimental import gevent as grpc_gevent

grpc_gevent.init_gevent()

import grpc  # noqa: E402
from locust import User, constant, events  # noqa: E402

from mathreward._pb import reward_pb2_grpc  # noqa: E402
from mathreward.loadtest import payloads  # noqa: E402

CHANNEL_OPTIONS = [("grpc.max_send_message_length", 64 << 20),
                   ("grpc.max_receive_message_length", 64 << 20)]


class RpcFailure(Exception):
    """A failed RPC as locust records it: '<STATUS_CODE>: <details>'."""


@events.init_command_line_parser.add_listener
def _add_options(parser: Any) -> None:
    group = parser.add_argument_group("mathreward")
    group.add_argument("--verify-weight", type=int, default=10, env_var="MR_VERIFY_WEIGHT",
                       help="weight of VerifyAnswers tasks")
    group.add_argument("--compute-reward-weight", type=int, default=3,
                       env_var="MR_COMPUTE_REWARD_WEIGHT", help="weight of ComputeReward tasks")
    group.add_argument("--score-steps-weight", type=int, default=1,
                       env_var="MR_SCORE_STEPS_WEIGHT", help="weight of ScoreSteps tasks")
    group.add_argument("--batch-sizes", default="16,64,256", env_var="MR_BATCH_SIZES",
                       help="comma-separated batch sizes, drawn uniformly per request")
    group.add_argument("--reward-preset", default="orm", env_var="MR_REWARD_PRESET")
    group.add_argument("--think-chars", type=int, default=2000, env_var="MR_THINK_CHARS")
    group.add_argument("--hostile-share", type=float, default=0.01, env_var="MR_HOSTILE_SHARE")
    group.add_argument("--rpc-timeout", type=float, default=120.0, env_var="MR_RPC_TIMEOUT")
    group.add_argument("--max-fail-ratio", type=float, default=0.0, env_var="MR_MAX_FAIL_RATIO",
                       help="exit 1 when the failure ratio is above this")
    group.add_argument("--max-p95-ms", type=float, default=0.0, env_var="MR_MAX_P95_MS",
                       help="exit 1 when the overall p95 response time is above this; 0 = off")


@events.init.add_listener
def _set_task_mix(environment: Any, **_kwargs: Any) -> None:
    """Task weights come from the options, so the mix is chosen per run, not per edit."""
    options = environment.parsed_options
    if options is None:  # locust used as a library without its parser
        return
    mix = [(verify_answers, options.verify_weight),
           (compute_reward, options.compute_reward_weight),
           (score_steps, options.score_steps_weight)]
    RewardUser.tasks = [task for task, weight in mix for _ in range(max(0, weight))]
    if not RewardUser.tasks:
        raise SystemExit("locustfile: every task weight is 0")


@events.quitting.add_listener
def _check_thresholds(environment: Any, **_kwargs: Any) -> None:
    options, total = environment.parsed_options, environment.stats.total
    if options is None:
        return
    reasons = []
    if total.num_requests == 0:
        reasons.append("no requests were made")
    if total.fail_ratio > options.max_fail_ratio:
        reasons.append(f"failure ratio {total.fail_ratio:.3f} > {options.max_fail_ratio}")
    p95 = total.get_response_time_percentile(0.95) or 0.0
    if options.max_p95_ms > 0 and p95 > options.max_p95_ms:
        reasons.append(f"p95 {p95:.0f} ms > {options.max_p95_ms:.0f} ms")
    if reasons:
        print("locustfile: thresholds failed: " + "; ".join(reasons), file=sys.stderr)
        environment.process_exit_code = 1


class RewardUser(User):
    """One trainer: a channel to the service and a closed loop of reward requests."""

    wait_time = constant(0)
    tasks: list[Any] = []  # filled from the options by _set_task_mix

    def on_start(self) -> None:
        target = (self.host or "127.0.0.1:50051").removeprefix("grpc://")
        self.channel = grpc.insecure_channel(target, options=CHANNEL_OPTIONS)
        self.stub = reward_pb2_grpc.RewardServiceStub(self.channel)
        options = self.environment.parsed_options
        self.batch_sizes = [int(x) for x in options.batch_sizes.split(",")]
        self.rng = random.Random()

    def on_stop(self) -> None:
        self.channel.close()

    def samples(self) -> list[payloads.Sample]:
        options = self.environment.parsed_options
        batch = self.rng.choice(self.batch_sizes)
        group = min(16, batch)
        return payloads.make_samples(-(-batch // group), group, self.rng.randrange(1 << 30),
                                     options.think_chars, options.hostile_share)[:batch]

    def call(self, rpc: str, method: Any, request: Any, batch: int) -> None:
        """Send one RPC and report it through locust's request event."""
        started = time.perf_counter()
        exception: Exception | None = None
        length = 0
        try:
            reply = method(request, timeout=self.environment.parsed_options.rpc_timeout)
            length = reply.ByteSize()
            if len(reply.results) != batch:
                exception = RpcFailure(f"OK with {len(reply.results)} results for {batch} items")
        except grpc.RpcError as exc:
            exception = RpcFailure(f"{exc.code().name}: {exc.details()}")
        self.environment.events.request.fire(
            request_type="grpc", name=f"{rpc}[{batch}]",
            response_time=(time.perf_counter() - started) * 1e3, response_length=length,
            exception=exception, context={"items": batch})


def verify_answers(user: RewardUser) -> None:
    samples = user.samples()
    user.call("VerifyAnswers", user.stub.VerifyAnswers, payloads.verify_request(samples),
              len(samples))


def compute_reward(user: RewardUser) -> None:
    samples = user.samples()
    preset = user.environment.parsed_options.reward_preset
    user.call("ComputeReward", user.stub.ComputeReward,
              payloads.compute_reward_request(samples, preset), len(samples))


def score_steps(user: RewardUser) -> None:
    samples = user.samples()
    user.call("ScoreSteps", user.stub.ScoreSteps, payloads.score_steps_request(samples),
              len(samples))
