"""Where `mathreward reward` and `mathreward ablate` get rewards: in-process or a server.

    LocalBackend(options, workers=2, prm_path=None, need_prm=True)  # VerifierPool + PrmEngine
    RemoteBackend(address, options)                                 # RewardClient.compute_reward

Both answer `await backend.compute(items, spec) -> list[RewardOutcome]` with the same numbers
(the local one calls `rewards.compute_rewards`, the server calls the same function). The local
backend creates its worker processes in `start()`, before anything else, and loads the PRM only
when asked to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from mathreward.reward_spec import RewardSpec
from mathreward.rewards import PrmPart, RewardItem, RewardOutcome, RewardParts, compute_rewards
from verifier.types import Result, VerifyOptions


class Backend(Protocol):
    async def start(self) -> None: ...
    async def compute(self, items: Sequence[RewardItem], spec: RewardSpec
                      ) -> list[RewardOutcome]: ...
    async def close(self) -> None: ...


class LocalBackend:
    """The verifier pool (and the PRM engine when `need_prm`) in this process."""

    def __init__(self, options: VerifyOptions, workers: int = 2, prm_path: str | None = None,
                 need_prm: bool = False, device: str = "auto") -> None:
        self.options = options
        self._workers = workers
        self._prm_path = prm_path
        self._need_prm = need_prm
        self._device = device
        self._pool: Any = None
        self._engine: Any = None

    async def start(self) -> None:
        from verifier.pool import PoolConfig, VerifierPool

        self._pool = VerifierPool(PoolConfig(workers=self._workers))
        self._pool.start()
        if self._need_prm:
            from prm.engine import PrmConfig, PrmEngine  # torch only when a spec needs the PRM

            self._engine = PrmEngine(PrmConfig(model_path=self._prm_path, device=self._device))
            await self._engine.start()

    async def compute(self, items: Sequence[RewardItem], spec: RewardSpec
                      ) -> list[RewardOutcome]:
        return await compute_rewards(items, spec, self.options, self._pool, self._engine)

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
        self._timeout_s = timeout_s
        self._client: Any = None

    async def start(self) -> None:
        from mathreward.client import RewardClient

        self._client = RewardClient(self.address)

    async def compute(self, items: Sequence[RewardItem], spec: RewardSpec
                      ) -> list[RewardOutcome]:
        return await self._client.compute_reward(items, spec, options=self.options,
                                                 timeout=self._timeout_s)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


def parts_of(outcome: RewardOutcome) -> RewardParts:
    """The measured parts behind an outcome computed with a spec that used both ORM and PRM
    without gating (so that `step_scores` and `prm_scored` are the PRM's own)."""
    result = Result(outcome.verdict, outcome.reason, outcome.extracted)
    prm = PrmPart(step_scores=outcome.step_scores, scored=outcome.prm_scored,
                  reason="")
    return RewardParts(result=result, prm=prm)
