"""The verifier's exception hierarchy (internal: verify() turns each into a verdict)."""

from __future__ import annotations


class VerifierError(Exception):
    """Base of every error the grader raises on purpose."""


class ParseError(VerifierError):
    """The answer is not maths this grader reads (verdict UNPARSEABLE)."""


class CodeLikeError(ParseError):
    """The answer looks like program code (rule 20): never evaluated, never equal."""


class UndefinedError(ParseError):
    """The maths is undefined (division by zero, factorial of a negative integer)."""


class ResourceLimitError(VerifierError):
    """A cheap pre-check refused the input as too big to evaluate (verdict RESOURCE_LIMIT)."""


# Hitting the worker's memory cap (RLIMIT_AS). CPython usually raises MemoryError, but when even
# that cannot be allocated, a C function returns NULL with no exception set and its caller raises
# SystemError ("returned NULL without setting an exception"); sympy's expand does this at random
# under a tight cap. Both mean the cap was hit: never a failed proof step, never a grader bug.
OUT_OF_MEMORY: tuple[type[Exception], ...] = (MemoryError, SystemError)
