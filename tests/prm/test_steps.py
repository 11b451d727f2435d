"""split_steps: separators, the </think> answer region, blank steps."""

from __future__ import annotations

import pytest

from prm.steps import split_steps


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("a\n\nb\n\nc", ["a", "b", "c"]),
        ("  a \n\n\n\n b\n\n", ["a", "b"]),
        ("a\r\n\r\nb", ["a", "b"]),
        ("<think>x\n\ny</think>s1\n\ns2", ["s1", "s2"]),
        ("<think>x</think>old</think>s1\n\ns2", ["s1", "s2"]),  # last </think> wins
        ("<think>unfinished\n\nthoughts", ["unfinished", "thoughts"]),
        ("", []),
        ("\n\n\n\n", []),
        ("one step only", ["one step only"]),
    ],
)
def test_split_steps(response, expected):
    assert split_steps(response) == expected


def test_custom_separator():
    assert split_steps("a\nb\n\nc", separator="\n") == ["a", "b", "c"]
    with pytest.raises(ValueError):
        split_steps("a", separator="")
