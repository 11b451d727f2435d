"""Split a response into steps for the PRM.

The answer region follows grading-policy rule 1 where it can: with a `</think>`, only the text after
the last `</think>` is split (the reasoning before it is not the solution being graded). A
response with `<think>` but no `</think>` never finished thinking: the PRM still scores what is
there, so the text after `<think>` is split (the ORM already gives it no answer; an empty step
list here would hide the process signal a trainer may want). Steps are separated by
`separator` ("\\n\\n" by default); blank steps are dropped and each step is stripped.
"""

from __future__ import annotations

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"


def answer_region(response: str) -> str:
    if THINK_CLOSE in response:
        return response.rsplit(THINK_CLOSE, 1)[1]
    if THINK_OPEN in response:
        return response.split(THINK_OPEN, 1)[1]
    return response


def split_steps(response: str, separator: str = "\n\n") -> list[str]:
    """Non-empty, stripped steps of the answer region of `response`."""
    if not separator:
        raise ValueError("separator must be non-empty")
    region = answer_region(response).replace("\r\n", "\n")
    return [s.strip() for s in region.split(separator) if s.strip()]
