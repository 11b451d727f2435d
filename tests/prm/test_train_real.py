"""`prm_train.train --data JSONL --tokenizer BPE_DIR` at toy size: real-language records from
`prm_train.real_data` with the byte-level BPE give a checkpoint the loader serves (hand-written
records, no third-party text)."""

from __future__ import annotations

import asyncio
import json

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


def test_training_on_real_records_with_the_bpe_tokenizer_gives_a_served_checkpoint(tmp_path):
    data = tmp_path / "real.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    tok_dir = tmp_path / "bpe"
    bpe.save(bpe.train_bpe(bpe.read_texts([data]), vocab_size=400), tok_dir)
    out = tmp_path / "m"
    assert train.main(["--data", str(data), "--tokenizer", str(tok_dir), "--out", str(out),
                       "--train-n", "24", "--steps", "2", "--batch-size", "4", "--hidden", "32",
                       "--layers", "1", "--heads", "2", "--threads", "1", "--save-every", "2",
                       "--word-dropout", "0"]) == 0
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
