"""verify(response, gold, options) -> Result. (Stub: the real grader replaces this.)"""

from __future__ import annotations

from verifier.types import Result, Verdict, VerifyOptions

DEFAULT_OPTIONS = VerifyOptions()


def verify(response: str, gold: str, options: VerifyOptions = DEFAULT_OPTIONS) -> Result:
    """Grade one response against its gold answer. Never raises for bad input."""
    return Result(Verdict.UNPARSEABLE, reason="grader not implemented yet")
