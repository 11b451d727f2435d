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


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of the command module `only` (a run imports no more
    than the command it runs: `mathreward verify` pays for no other command's imports)."""
    parser = argparse.ArgumentParser(
        prog="mathreward", description="Reward service for RL on math reasoning."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES if only is None else (only,):
        try:
            module = importlib.import_module(f"mathreward.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("mathreward.commands"):
                continue  # not written yet
            raise
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Module names are the command names with `_` for `-` ("score-steps" -> score_steps).
    named = argv[0].replace("-", "_") if argv else ""
    args = build_parser(named if named in COMMAND_MODULES else None).parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
