"""`mathreward` command line: one sub-command per module under `mathreward/commands/`.

    mathreward serve [--port 50051] [--metrics-port 9090] [--prm PATH] [--workers N]
    mathreward verify IN.jsonl [-o OUT.jsonl] [--server HOST:PORT]
    mathreward score-steps IN.jsonl [-o OUT.jsonl] [--server HOST:PORT] [--prm PATH]
    mathreward reward | ablate | bench ...

Each command module exposes `add_parser(subparsers)` (which registers its arguments and sets
`func`) so this file never grows with the commands. This module (and the command modules it
calls) is the only reader of flags and environment variables; everything below receives frozen
config objects.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Command modules, in the order `--help` lists them. A module that fails to import (an optional
# extra is missing) is skipped with a note instead of breaking every other command.
COMMAND_MODULES = (
    "serve",
    "verify",
    "score_steps",
    "reward",
    "ablate",
    "bench",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mathreward", description="Reward service for RL on math reasoning."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"mathreward.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("mathreward.commands"):
                continue  # not written yet
            raise
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
