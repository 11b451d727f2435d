"""`prm_train.train` end to end at toy size: a checkpoint the loader serves, and `--tokenizer`
makes a
second run share the first one's vocabulary, so the two pack into an ensemble."""

from __future__ import annotations

import asyncio

from prm.engine import PrmConfig, PrmEngine, StepStatus
from prm_train import ensemble, train

TOY = ["--train-n", "48", "--steps", "2", "--batch-size", "4", "--hidden", "32", "--layers", "1",
       "--heads", "2", "--threads", "1", "--save-every", "2"]


def test_two_runs_with_a_shared_tokenizer_pack_into_a_served_ensemble(tmp_path):
    first, second = tmp_path / "m0", tmp_path / "m1"
    assert train.main([*TOY, "--out", str(first), "--seed", "0"]) == 0
    assert train.main([*TOY, "--out", str(second), "--seed", "1",
                       "--tokenizer", str(first)]) == 0
    # (without --tokenizer, seed 1's data gives another vocabulary at this size: checked)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        assert (second / name).read_bytes() == (first / name).read_bytes()
    out = ensemble.pack([first, second], tmp_path / "ens")

    async def go():
        engine = PrmEngine(PrmConfig(model_path=str(out), device="cpu"))
        await engine.start()
        try:
            return await engine.score("Tom has 3 apples and buys 4.", ["3 + 4 = 7", "So 7."])
        finally:
            await engine.close()

    res = asyncio.run(go())
    assert res.status == StepStatus.OK, res.reason
    assert len(res.scores) == 2 and all(0 < s < 1 for s in res.scores)
