"""The commands and configs of docs/trainers.md, for the tests that check them.

A block in the doc is a fenced code block preceded by `<!-- block: NAME -->`; `doc_block(NAME)`
returns its text. Every block in the doc is run through a trainer's own parser or config loader
by some test (test_docs_blocks_are_all_tested checks that none is left out).
"""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "trainers.md"
_BLOCK = re.compile(r"<!-- block: ([\w-]+) -->\s*\n```[^\n]*\n(.*?)\n```", re.S)


def doc_blocks() -> dict[str, str]:
    return dict(_BLOCK.findall(DOC.read_text()))


def doc_block(name: str) -> str:
    blocks = doc_blocks()
    if name not in blocks:
        raise KeyError(f"docs/trainers.md has no block {name!r} (has {sorted(blocks)})")
    return blocks[name]


def shell_words(block: str) -> list[str]:
    """A shell command block as argv words (line continuations and comments removed)."""
    import shlex

    text = "\n".join(line.split(" #", 1)[0] for line in block.splitlines())
    return shlex.split(text.replace("\\\n", " "))
