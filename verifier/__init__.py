"""Outcome verifier: does a response's final answer equal the ground truth (docs/grading-policy.md)?

    from verifier.verify import verify        # the grader (imports sympy)
    from verifier.pool import VerifierPool    # killable worker processes (imports no sympy)

The package itself imports only the plain data types, so importing any part of it (the pool, the
extraction, the types) never pulls in sympy: only the grader and its workers need it.
"""

from verifier.types import Result, Verdict, VerifyItem, VerifyOptions

__all__ = ["Result", "Verdict", "VerifyItem", "VerifyOptions"]
