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
import errno
import importlib
import os
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


# Optional extras by the modules they bring: a missing one is named, not a traceback.
EXTRA_OF_MODULE = {"torch": "prm", "transformers": "prm", "safetensors": "prm",
                   "tokenizers": "prm", "sentencepiece": "prm", "locust": "bench",
                   "matplotlib": "bench", "math_verify": "bench", "trl": "trainers"}

# Errors a user causes at start-up (a file, a port, a server, a checkpoint): one line, exit 1.
# Classes of optional packages are looked up only when their module is already loaded, so
# this file never imports torch to recognise a PRM error.
STARTUP_ERRORS = (("mathreward.errors", "RewardRpcError"), ("prm.types", "PrmFormatError"),
                  ("prm.types", "PrmError"), ("prm.hub", "CheckpointNotFound"))


GRPC_BIND_FAILED = "Failed to bind to address"


def startup_error_line(command: str, exc: BaseException) -> str | None:
    """The one line to print for an error a user can fix, or None for a bug (traceback)."""
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        extra = EXTRA_OF_MODULE.get(exc.name.partition(".")[0])
        if extra is not None:
            return (f"mathreward {command} needs the {extra} extra ({exc.name} is not "
                    f"installed): pip install 'mathreward[{extra}]'")
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return f"mathreward {command}: address already in use: {exc}"
    if isinstance(exc, RuntimeError) and str(exc).startswith(GRPC_BIND_FAILED):
        # grpc says only this (no errno): the address is taken, or not ours to listen on.
        address = str(exc).removeprefix(GRPC_BIND_FAILED).partition(";")[0].strip()
        return (f"mathreward {command}: cannot listen on {address}: the port is in use "
                "(or not allowed)")
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)):
        return f"mathreward {command}: {exc.strerror}: {exc.filename}"
    for module_name, class_name in STARTUP_ERRORS:
        cls = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(cls, type) and isinstance(exc, cls):
            return f"mathreward {command}: {exc}"
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Module names are the command names with `_` for `-` ("score-steps" -> score_steps).
    named = argv[0].replace("-", "_") if argv else ""
    args = build_parser(named if named in COMMAND_MODULES else None).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # `mathreward verify IN.jsonl | head -1`: no traceback
        from mathreward.commands._streams import quiet_broken_pipe

        return quiet_broken_pipe()
    except Exception as exc:  # noqa: BLE001 - user errors get one line; bugs keep the traceback
        line = startup_error_line(args.command, exc)
        if line is None or os.environ.get("MATHREWARD_DEBUG"):
            raise
        print(line, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
