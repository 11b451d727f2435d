"""Where the commands get their answers: this process, or a running server. One interface.

    LocalBackend(options, pool=PoolConfig(...), prm=PrmConfig(...))  # VerifierPool + PrmEngine
    RemoteBackend(address, options)                                  # RewardClient

`verify`, `score-steps`, `reward` and `ablate` all go through a `Backend`:

    async for index, result in backend.verify(items): ...   # (index into items, Result)
    await backend.score_steps(items) -> list[StepsResult]    # in item order
    await backend.compute(items, spec) -> list[RewardOutcome]

Both implementations give the same answers (the local one runs the functions the server runs:
`VerifierPool`, `PrmEngine`, `rewards.compute_rewards`). The local one creates each part when
the first call needs it: the verifier pool at the first item to grade (and a lazy pool starts
its worker processes only for an item that needs one, so `mathreward verify` on plain numbers
imports no sympy anywhere), the PRM engine (torch) only for steps to score or a spec that needs
the PRM. The remote one imports grpc only when started.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

from mathreward.reward_spec import RewardSpec
from mathreward.rewards import PrmPart, RewardItem, RewardOutcome, RewardParts, compute_rewards
from mathreward.types import StepsItem, StepsResult
from prm.types import PrmConfig
from verifier.pool import PoolConfig
from verifier.types import Result, VerifyItem, VerifyOptions

# Items per VerifyAnswers request to a server (well under its per-request cap).
SERVER_VERIFY_CHUNK = 512


class Backend(Protocol):
    """What the commands need: grade items, score steps, compute rewards."""

    async def start(self) -> None: ...

    def verify(self, items: Sequence[VerifyItem]) -> AsyncIterator[tuple[int, Result]]:
        """(index into items, Result) as each item finishes, every item exactly once."""
        ...

    async def score_steps(self, items: Sequence[StepsItem]) -> list[StepsResult]: ...

    async def compute(self, items: Sequence[RewardItem], spec: RewardSpec
                      ) -> list[RewardOutcome]: ...

    async def close(self) -> None: ...


class LocalBackend:
    """The verifier pool and the PRM engine in this process, each created when first needed."""

    def __init__(self, options: VerifyOptions, pool: PoolConfig | None = None,
                 prm: PrmConfig | None = None) -> None:
        self.options = options
        self._pool_config = pool or PoolConfig(lazy=True)
        self._prm_config = prm or PrmConfig()
        self._pool: Any = None
        self._engine: Any = None

    async def start(self) -> None:
        """Nothing to do yet: each part starts with the first call that needs it."""

    def _verifier(self) -> Any:
        if self._pool is None:
            from verifier.pool import VerifierPool

            self._pool = VerifierPool(self._pool_config)
            self._pool.start()
        return self._pool

    async def _prm(self) -> Any:
        if self._engine is None:
            from prm.engine import PrmEngine  # torch: only when steps are to be scored

            engine = PrmEngine(self._prm_config)
            await engine.start()
            self._engine = engine
        return self._engine

    async def verify(self, items: Sequence[VerifyItem]) -> AsyncIterator[tuple[int, Result]]:
        if not items:
            return
        stream = self._verifier().averify_stream(items, self.options)
        try:
            async for position, result in stream:
                yield position, result
        finally:
            await stream.aclose()

    async def score_steps(self, items: Sequence[StepsItem]) -> list[StepsResult]:
        engine = await self._prm()
        scored = await engine.score_many([(item.problem, item.steps) for item in items])
        return [StepsResult(id=item.id, step_scores=tuple(s.scores), status=s.status.value,
                            reason=s.reason)
                for item, s in zip(items, scored, strict=True)]

    async def compute(self, items: Sequence[RewardItem], spec: RewardSpec
                      ) -> list[RewardOutcome]:
        engine = await self._prm() if spec.needs_prm else None
        return await compute_rewards(items, spec, self.options, self._verifier(), engine)

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.close()
        if self._pool is not None:
            self._pool.close()


class RemoteBackend:
    """A running `mathreward serve`, through the async RewardClient."""

    def __init__(self, address: str, options: VerifyOptions, timeout_s: float = 600.0) -> None:
        self.address = address
        self.options = options
        self._timeout_s = timeout_s  # per call; a call carries at most a few hundred items
        self._client: Any = None

    async def start(self) -> None:
        from mathreward.client import RewardClient  # grpc only on this path

        self._client = RewardClient(self.address)

    async def verify(self, items: Sequence[VerifyItem]) -> AsyncIterator[tuple[int, Result]]:
        for start in range(0, len(items), SERVER_VERIFY_CHUNK):
            chunk = items[start:start + SERVER_VERIFY_CHUNK]
            results = await self._client.verify_answers(chunk, self.options,
                                                        timeout=self._timeout_s)
            for offset, result in enumerate(results):
                yield start + offset, result

    async def score_steps(self, items: Sequence[StepsItem]) -> list[StepsResult]:
        return await self._client.score_steps(items, timeout=self._timeout_s)

    async def compute(self, items: Sequence[RewardItem], spec: RewardSpec
                      ) -> list[RewardOutcome]:
        return await self._client.compute_reward(items, spec, options=self.options,
                                                 timeout=self._timeout_s)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


def make_backend(server: str | None, options: VerifyOptions, pool: PoolConfig | None = None,
                 prm: PrmConfig | None = None) -> Backend:
    """The server at `server` when given, else this process (`pool`, `prm` configure it)."""
    if server:
        return RemoteBackend(server, options)
    return LocalBackend(options, pool=pool, prm=prm)


def parts_of(outcome: RewardOutcome) -> RewardParts:
    """The measured parts behind an outcome computed with a spec that used both ORM and PRM
    without gating (so that `step_scores` and `prm_scored` are the PRM's own)."""
    result = Result(outcome.verdict, outcome.reason, outcome.extracted)
    prm = PrmPart(step_scores=outcome.step_scores, scored=outcome.prm_scored,
                  reason="")
    return RewardParts(result=result, prm=prm)
