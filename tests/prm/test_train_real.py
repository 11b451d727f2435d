"""`prm_train.train --data JSONL --tokenizer BPE_DIR` at toy size: real-language records from
`prm_train.real_data` with the byte-level BPE give a checkpoint the loader serves (hand-written
records, no third-party text)."""

from __future__ import annotations

import asyncio
import json

import pytest

from prm import formats
from prm import tokenizer as word_tokenizer
from prm.engine import PrmConfig, PrmEngine, StepStatus
from prm_train import bpe, real_data, train

RECORDS = [
    {"problem": "A baker makes 12 muffins each hour for 5 hours. How many muffins?",
     "steps": ["She makes 12*5 = 60 muffins.", "The answer is 60."], "label": -1},
    {"problem": "A baker makes 12 muffins each hour for 5 hours. How many muffins?",
     "steps": ["She makes 12+5 = 17 muffins.", "The answer is 17."], "label": 0},
    {"problem": r"Find $x$ if $2x + 3 = 11$.",
     "steps": [r"Subtract $3$: $2x = 8$.", r"So $x = \frac{8}{2} = 4$."], "label": -1},
    {"problem": r"Find $x$ if $2x + 3 = 11$.",
     "steps": [r"Subtract $3$: $2x = 14$."], "label": 0},
] * 6


def _toy_checkpoint(tmp_path, *extra: str, steps: int = 1):
    """Train a toy model on RECORDS with a fresh 400-token BPE; (checkpoint dir, data, BPE dir)."""
    data = tmp_path / "real.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    tok_dir = tmp_path / "bpe"
    bpe.save(bpe.train_bpe(bpe.read_texts([data]), vocab_size=400), tok_dir)
    out = tmp_path / "m"
    assert train.main(["--data", str(data), "--tokenizer", str(tok_dir), "--out", str(out),
                       "--train-n", "24", "--steps", str(steps), "--batch-size", "4",
                       "--hidden", "32", "--layers", "1", "--heads", "2", "--threads", "1",
                       "--save-every", str(steps), "--word-dropout", "0", *extra]) == 0
    return out, data, tok_dir


def test_training_on_real_records_with_the_bpe_tokenizer_gives_a_served_checkpoint(tmp_path):
    out, data, tok_dir = _toy_checkpoint(tmp_path, steps=2)
    for name in word_tokenizer.FILES:  # the BPE files travel with the checkpoint, unchanged
        assert (out / name).read_bytes() == (tok_dir / name).read_bytes()
    card = json.loads((out / "training.json").read_text())
    assert card["args"]["data"] == str(data) and card["train_examples"] == 24

    async def go():
        engine = PrmEngine(PrmConfig(model_path=str(out), device="cpu"))
        await engine.start()
        try:  # text the BPE never saw: scored, not refused
            return await engine.score("Ünïcode ∑ problem with \\cos x", ["So 3 + 4 = 7.", "Done."])
        finally:
            await engine.close()

    res = asyncio.run(go())
    assert res.status == StepStatus.OK, res.reason
    assert len(res.scores) == 2 and all(0 < s < 1 for s in res.scores)


def test_real_data_records_are_what_train_reads(tmp_path):
    """The CLI's output has the fields `train.make_example` uses."""
    gsm = tmp_path / "gsm.jsonl"
    gsm.write_text(json.dumps({"question": "Tom has 3 bags of 4 apples. How many apples?",
                               "answer": "He has 3*4 = <<3*4=12>>12 apples.\n#### 12"}) + "\n")
    out = tmp_path / "out.jsonl"
    assert real_data.main(["--gsm8k", str(gsm), "-o", str(out), "--seed", "0"]) == 0
    recs = [json.loads(x) for x in out.read_text().splitlines()]
    assert recs and all({"problem", "steps", "label"} <= r.keys() for r in recs)
    assert all(-1 <= r["label"] < len(r["steps"]) for r in recs)


def test_strict_marker_and_long_context_travel_from_training_to_serving(tmp_path):
    """`--features eq_bad_strict --context 4096`: the checkpoint says so in prm_format.json and
    config.json, the served codec puts `<eq_bad_strict>` before the tag of a wrong plain
    computation only (not before correct LaTeX that `eq_bad` misreads), and a 1,500-token item
    is scored, not refused."""
    out, _, _ = _toy_checkpoint(tmp_path, "--features", "eq_bad_strict", "--context", "4096")
    fmt = json.loads((out / "prm_format.json").read_text())
    assert fmt["features"] == ["eq_bad_strict"] and fmt["max_length"] == 4096
    assert json.loads((out / "config.json").read_text())["max_position_embeddings"] == 4096
    codec = formats.load_codec(out)
    enc = codec.encode("Tom has 3 apples.", ["He buys 4: 3 + 4 = 8.", r"So $r_3 = 10$.",
                                             "3 + 4 = 7"])
    toks = codec.tokenizer.convert_ids_to_tokens(enc.ids)
    assert [toks[p - 1] == "<eq_bad_strict>" for p in enc.tag_positions] == [True, False, False]

    async def go():
        engine = PrmEngine(PrmConfig(model_path=str(out), device="cpu"))
        await engine.start()
        try:
            return await engine.score("A long problem.", ["Then 3 + 4 = 7 and so on."] * 150)
        finally:
            await engine.close()

    res = asyncio.run(go())
    assert len(codec.encode("A long problem.", ["Then 3 + 4 = 7 and so on."] * 150).ids) > 1024
    assert res.status == StepStatus.OK, res.reason


def test_unknown_feature_is_refused_before_training(tmp_path):
    data = tmp_path / "real.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    with pytest.raises(SystemExit, match="unknown --features"):
        train.main(["--data", str(data), "--out", str(tmp_path / "m"), "--steps", "1",
                    "--features", "eq_bad_strictly"])


def test_dev_split_is_by_problem_and_stable(tmp_path):
    """Every copy of a solution, and every solution of a problem, lands on one side; the sides
    partition the records; the same inputs give the same split."""
    gsm = tmp_path / "gsm.jsonl"
    gsm.write_text("".join(json.dumps({
        "question": f"Tom has {n} bags of 4 apples. How many apples?",
        "answer": f"He has {n}*4 = <<{n}*4={4 * n}>>{4 * n} apples.\n#### {4 * n}"}) + "\n"
        for n in range(2, 60)))
    sides = {}
    for side in ("all", "train", "dev"):
        out = tmp_path / f"{side}.jsonl"
        assert real_data.main(["--gsm8k", str(gsm), "-o", str(out), "--split", side,
                               "--dev-share", "0.3"]) == 0
        sides[side] = [json.loads(x) for x in out.read_text().splitlines()]
    train_p = {r["problem"] for r in sides["train"]}
    dev_p = {r["problem"] for r in sides["dev"]}
    assert train_p and dev_p and not train_p & dev_p
    assert len(sides["train"]) + len(sides["dev"]) == len(sides["all"])
    assert all(real_data.split_of(p, 0.3) == "dev" for p in dev_p)


def test_calibrate_fits_a_combiner_the_engine_applies(tmp_path):
    """`prm_train.calibrate DEV --prm DIR` scores the dev records through the engine, writes
    [w_logit, w_eq_bad_strict, bias] into prm_format.json, and the served scores change with it."""
    from prm_train import calibrate

    out, data, _ = _toy_checkpoint(tmp_path, "--features", "eq_bad_strict")

    async def score():
        engine = PrmEngine(PrmConfig(model_path=str(out), device="cpu"))
        await engine.start()
        try:
            return await engine.score(RECORDS[1]["problem"], RECORDS[1]["steps"])
        finally:
            await engine.close()

    before = asyncio.run(score()).scores
    assert calibrate.main([str(data), "--prm", str(out), "--threads", "1"]) == 0
    combiner = json.loads((out / "prm_format.json").read_text())["combiner"]
    assert len(combiner) == 3 and all(isinstance(v, float) for v in combiner)
    after = asyncio.run(score())
    assert after.status == StepStatus.OK and after.scores != before
