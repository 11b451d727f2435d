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
