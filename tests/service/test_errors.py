"""The one table from domain errors to gRPC statuses, and its round trip through a trailer.

    .venv/bin/pytest tests/service/test_errors.py -q
"""

from __future__ import annotations

import grpc

from mathreward import errors


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_service_error_has_its_own_row() -> None:
    rows = {cls for cls, _code, _reason in errors.STATUS_TABLE}
    assert _subclasses(errors.ServiceError) <= rows  # no class falls back to a base's reason
    reasons = [reason for _cls, _code, reason in errors.STATUS_TABLE]
    assert len(reasons) == len(set(reasons))  # each reason names one situation


def test_status_carries_code_message_and_details_trailer() -> None:
    """(Decoding the trailer on the client is covered by every server test that checks a
    reason, e.g. test_limits.py.)"""
    status = errors.to_grpc_status(errors.QueueFull("busy", limit=7))
    assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED and status.details == "busy"
    assert [key for key, _ in status.trailing_metadata] == ["grpc-status-details-bin"]
