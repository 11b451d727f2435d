"""Counting a request's items from its protobuf wire bytes, before parsing it.

Parsing a 60 MB request costs about as much memory again as the message, and converting it to
domain objects as much once more; a request that admission will refuse anyway (too many items,
a full verifier queue) should cost neither. Every RewardService request keeps its items in field
1 (`repeated ... items = 1`), so walking the top-level fields and counting field 1 is enough.
The walk is bounded by a number of fields, not bytes: it skips each field's payload by its
length, so a 64 MiB message of 4,096 items takes 4,096 steps.
"""

from __future__ import annotations

from dataclasses import dataclass

ITEMS_FIELD = 1


@dataclass(frozen=True)
class ItemCount:
    """`items` occurrences of field 1 seen; `complete` False when the walk stopped early
    (more fields than the bound, or bytes that are not protobuf: then the parse decides)."""

    items: int
    complete: bool


def _varint(raw: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(raw) or shift > 63:
            raise ValueError("truncated varint")
        byte = raw[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def count_items(raw: bytes, max_fields: int) -> ItemCount:
    """Occurrences of top-level field 1 in `raw`, walking at most `max_fields` fields."""
    pos = items = fields = 0
    end = len(raw)
    try:
        while pos < end:
            fields += 1
            if fields > max_fields:
                return ItemCount(items, complete=False)
            tag, pos = _varint(raw, pos)
            wire_type = tag & 7
            if wire_type == 0:
                _, pos = _varint(raw, pos)
            elif wire_type == 1:
                pos += 8
            elif wire_type == 2:
                length, pos = _varint(raw, pos)
                pos += length
            elif wire_type == 5:
                pos += 4
            else:  # groups (3, 4) and invalid types: not ours to judge here
                return ItemCount(items, complete=False)
            if tag >> 3 == ITEMS_FIELD:
                items += 1
    except ValueError:
        return ItemCount(items, complete=False)
    return ItemCount(items, complete=pos == end)
