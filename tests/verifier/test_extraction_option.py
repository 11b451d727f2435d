"""The extraction option end to end: proto field, `mathreward verify --extraction`, and a real
server answering per request with `extracted_by` (grading-policy rule 4).

Run: .venv/bin/pytest tests/verifier/test_extraction_option.py -q
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mathreward import convert
from mathreward._pb import reward_pb2 as pb
from mathreward.errors import InvalidOptions
from verifier.types import Result, Verdict, VerifyItem, VerifyOptions

MATHREWARD = Path(sys.executable).parent / "mathreward"
NO_BOX = "Adding up, the total area is $12$ square units."


@pytest.mark.parametrize("mode", ["strict", "lenient"])
def test_options_round_trip_through_the_proto(mode: str) -> None:
    options = VerifyOptions(extraction=mode, rel_tol=0.01)
    assert convert.options_from_pb(convert.options_to_pb(options)) == options
    assert convert.options_to_pb({"extraction": mode}).extraction != pb.EXTRACTION_MODE_UNSPECIFIED


def test_absent_option_is_strict_and_unknown_is_invalid() -> None:
    assert convert.options_from_pb(pb.VerifyOptions()).extraction == "strict"
    with pytest.raises(InvalidOptions, match="extraction"):
        convert.options_from_pb(pb.VerifyOptions(extraction=7))


def test_extracted_by_round_trips_through_the_result() -> None:
    result = Result(Verdict.CORRECT, "equal", "12", extracted_by="lenient_math_span")
    assert convert.result_from_pb(convert.result_to_pb("i", result)) == result


def test_cli_extraction_flag(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [{"id": "a", "gold": "12", "response": NO_BOX},
             {"id": "b", "gold": "18", "response": "9 * 2 = 18\n#### 18"}]
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    records = {}
    for mode in ("strict", "lenient"):
        done = subprocess.run([str(MATHREWARD), "verify", str(source), "--workers", "1",
                               "--extraction", mode],
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        records[mode] = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["verdict"], r["extracted_by"]) for r in records["strict"]] == [
        ("no_answer", ""), ("correct", "gsm8k_hash")]
    assert [(r["verdict"], r["extracted_by"]) for r in records["lenient"]] == [
        ("correct", "lenient_math_span"), ("correct", "gsm8k_hash")]
    bad = subprocess.run([str(MATHREWARD), "verify", str(source), "--extraction", "loose"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "--extraction" in bad.stderr


def test_server_reads_the_option_per_request(client) -> None:
    items = [VerifyItem("area", NO_BOX, "12"), VerifyItem("box", "so \\boxed{12}", "12")]
    strict = client.verify_answers(items)
    lenient = client.verify_answers(items, VerifyOptions(extraction="lenient"))
    as_dict = client.verify_answers(items, {"extraction": "lenient"})
    assert [(r.verdict, r.extracted_by) for r in strict] == [
        (Verdict.NO_ANSWER, ""), (Verdict.CORRECT, "boxed")]
    for results in (lenient, as_dict):
        assert [(r.verdict, r.extracted_by) for r in results] == [
            (Verdict.CORRECT, "lenient_math_span"), (Verdict.CORRECT, "boxed")]


def test_server_extracts_adversarial_answers_without_stalling(client) -> None:
    """Issue 13 item 2: an 8,000-deep nested box (64 KB) was extracted in the server process in
    quadratic time (16-32 s, every client stalled). The bound is generous on purpose."""
    nested = "\\boxed{" * 8000 + "5" + "}" * 8000
    items = [VerifyItem("nested", nested, "5"),
             VerifyItem("unclosed", "\\boxed{1} " + "\\boxed{" * 9000, "1"),
             VerifyItem("chain", "the answer is " * 4600 + "5", "5")]
    start = time.monotonic()
    results = client.verify_answers(items, VerifyOptions(extraction="lenient"))
    elapsed = time.monotonic() - start
    assert [r.verdict for r in results] == [Verdict.CORRECT, Verdict.NO_ANSWER, Verdict.CORRECT]
    assert elapsed < 10.0, f"{elapsed:.1f} s"
