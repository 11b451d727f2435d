"""Outcome verifier: does a response's final answer equal the ground truth (GRADING.md)?"""

from verifier.types import Result, Verdict, VerifyItem, VerifyOptions
from verifier.verify import verify

__all__ = ["Result", "Verdict", "VerifyItem", "VerifyOptions", "verify"]
