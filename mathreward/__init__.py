"""mathreward: a gRPC reward service for RL on math reasoning.

    from mathreward import RewardClient, SyncRewardClient   # the Python client (client.py)

The client classes are imported lazily, so `import mathreward.cli` or `mathreward.commands.*`
does not pay for grpc until a command needs it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RewardClient", "SyncRewardClient"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from mathreward import client

        return getattr(client, name)
    raise AttributeError(f"module 'mathreward' has no attribute {name!r}")
