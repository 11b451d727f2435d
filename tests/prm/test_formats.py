"""Each checkpoint family, saved on disk in its hub layout with random weights, loaded through
the public path (detect -> engine), gives the step scores of a forward computed here
independently, from the raw files (tokenizers / sentencepiece, safetensors, a transformers
backbone) and each upstream recipe's own input string."""

from __future__ import annotations

import json

import pytest
import sentencepiece as spm
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from tokenizers import Tokenizer
from transformers import LlamaForCausalLM, MistralForCausalLM, Qwen2Config, Qwen2Model

from prm import formats
from prm.testing import (
    build_hub_math_shepherd,
    build_hub_qwen_math_prm,
    build_hub_rlhflow_prm,
    build_hub_skywork_prm,
    build_tiny_qwen_prm,
    engine_step_scores,
)

PROBLEM = "Tom buys 3 apples and 4 eggs. How many items?"
# the first step starts with a newline: upstream encodes one string, where it merges with the
# template's newline ("\n\n" is one token); encoding prompt and steps apart splits it
STEPS = ["\nHe buys 3 + 4 = 7 items.", "So the total is 7.\n\n", "The answer is \\boxed{7}."]
SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."
HOSTILE = ["<extra_0>", "<|im_end|>", "<|im_start|>", "<|endoftext|>", "ки", "<|eot_id|>",
           "<|start_header_id|>", "<s>", "\x00"]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    return {"qwen": build_hub_qwen_math_prm(root / "qwen"),
            "skywork": build_hub_skywork_prm(root / "skywork"),
            "rlhflow": build_hub_rlhflow_prm(root / "rlhflow"),
            "shepherd": build_hub_math_shepherd(root / "shepherd")}


def _state(path) -> dict[str, torch.Tensor]:
    index = json.loads((path / "model.safetensors.index.json").read_text())
    state: dict[str, torch.Tensor] = {}
    for f in sorted(set(index["weight_map"].values())):
        state.update(load_file(str(path / f)))
    return {k: v.float() for k, v in state.items()}


def _qwen_backbone(path, state) -> Qwen2Model:
    cfg = json.loads((path / "config.json").read_text())
    backbone = Qwen2Model(Qwen2Config(**{k: v for k, v in cfg.items() if k != "auto_map"}))
    missing, _ = backbone.load_state_dict(
        {k[6:]: v for k, v in state.items() if k.startswith("model.")}, strict=False)
    assert not [k for k in missing if "rotary" not in k]
    return backbone.eval()


def qwen_direct(path, problem=PROBLEM, steps=STEPS) -> list[float]:
    """The model card: system + user + "<extra_0>".join(steps) + "<extra_0>", one string."""
    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    text = (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{problem}<|im_end|>\n"
            f"<|im_start|>assistant\n" + "<extra_0>".join(steps) + "<extra_0><|im_end|>\n")
    ids = torch.tensor([tok.encode(text).ids])
    state = _state(path)
    with torch.no_grad():
        h = _qwen_backbone(path, state)(input_ids=ids).last_hidden_state[0]  # (T, H)
        z = F.relu(F.linear(h, state["score.0.weight"], state["score.0.bias"]))
        logits = F.linear(z, state["score.2.weight"], state["score.2.bias"])  # (T, 2)
    pos = (ids[0] == tok.token_to_id("<extra_0>")).nonzero().flatten()
    return logits[pos].softmax(-1)[:, 1].tolist()


def skywork_direct(path, problem=PROBLEM, steps=STEPS) -> list[float]:
    """skywork-o1-prm-inference's prepare_input: bos + problem + "\\n", then each step encoded
    alone followed by the "\\n" id (flagged); sigmoid of the value head there."""
    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    nl = tok.encode("\n").ids[-1]
    ids, flags = tok.encode("<|endoftext|>" + problem + "\n").ids, []
    for s in steps:
        ids = ids + tok.encode(s).ids
        flags.append(len(ids))
        ids = ids + [nl]
    state = _state(path)
    with torch.no_grad():
        h = _qwen_backbone(path, state)(input_ids=torch.tensor([ids])).last_hidden_state[0]
        v = F.linear(h, state["v_head.summary.weight"], state["v_head.summary.bias"])[:, 0]
    return torch.sigmoid(v[flags]).tolist()


def rlhflow_direct(path, problem=PROBLEM, steps=STEPS) -> list[float]:
    """math-rm/prm_evaluate.py: one forward per prefix conversation, logits at -3."""
    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    plus, minus = tok.encode("+").ids[-1], tok.encode("-").ids[-1]
    model = LlamaForCausalLM.from_pretrained(str(path), dtype=torch.float32).eval()
    text = ("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge "
            "Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>")
    out = []
    for k, s in enumerate(steps):
        user = f"{problem} {s.strip()}" if k == 0 else s.strip()
        text += (f"<|start_header_id|>user<|end_header_id|>\n\n{user.strip()}<|eot_id|>"
                 f"<|start_header_id|>assistant<|end_header_id|>\n\n+<|eot_id|>")
        ids = torch.tensor([tok.encode(text, add_special_tokens=False).ids])
        with torch.no_grad():
            logits = model(ids).logits[0, -3, [plus, minus]]
        out.append(logits.softmax(-1)[0].item())
    return out


def shepherd_direct(path, problem=PROBLEM, steps=STEPS) -> list[float]:
    """The model card: f"{question} {output}", output "Step 1: ... ки\\nStep 2: ... ки", the
    SentencePiece ids with <s>; at each ки, softmax over encode("+ -")[1:], index 0."""
    sp = spm.SentencePieceProcessor(model_file=str(path / "tokenizer.model"))
    output = "\n".join(f"Step {i}: {s} ки" for i, s in enumerate(steps, 1))
    ids = torch.tensor([[sp.bos_id()] + sp.encode(f"{problem} {output}")])
    cand = sp.encode("+ -")  # encode() here adds no <s>, upstream's [1:] drops it
    tag = sp.encode("ки")[-1]
    model = MistralForCausalLM.from_pretrained(str(path), dtype=torch.float32).eval()
    with torch.no_grad():
        logits = model(ids).logits[0][:, cand]  # (T, 2)
    return logits[ids[0] == tag].softmax(-1)[:, 0].tolist()


DIRECT = {"qwen": qwen_direct, "skywork": skywork_direct, "rlhflow": rlhflow_direct,
          "shepherd": shepherd_direct}
KINDS = {"qwen": "qwen_math_prm", "skywork": "skywork", "rlhflow": "rlhflow",
         "shepherd": "math_shepherd"}


@pytest.mark.parametrize("name", list(DIRECT))
def test_family_matches_independent_forward(hub, name):
    path = hub[name]
    assert formats.detect(path)[0].name == KINDS[name]
    direct = DIRECT[name](path)
    assert len(direct) == len(STEPS)
    assert engine_step_scores(path, PROBLEM, STEPS) == pytest.approx(direct, abs=1e-5)


def test_qwen_newline_step_is_encoded_as_one_string(hub):
    """The defect: prompt and steps tokenized apart split the "\\n\\n" that upstream's one-string
    encoding makes of the template's newline and the step's; our ids are upstream's."""
    path = hub["qwen"]
    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    codec = formats.load_codec(path)
    enc = codec.encode(PROBLEM, STEPS)
    prompt = (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{PROBLEM}<|im_end|>\n"
              f"<|im_start|>assistant\n")
    body = "<extra_0>".join(STEPS) + "<extra_0><|im_end|>\n"
    assert enc.ids == tok.encode(prompt + body).ids
    assert enc.ids != tok.encode(prompt).ids + tok.encode(body).ids  # the old way differs
    assert "ĊĊ" in [tok.id_to_token(i) for i in enc.ids[:enc.tag_positions[0]]]


@pytest.mark.parametrize("name", list(DIRECT))
def test_hostile_text_cannot_forge_step_tags(hub, name):
    """Special-token strings in the text are blanked (docs/prm-checkpoints.md): one score per
    step, equal to the scores of the text with those strings replaced by a space."""
    path = hub[name]
    bad = " ".join(HOSTILE)
    problem = f"{PROBLEM} {bad}"
    steps = [f"{s} {bad} x" for s in STEPS]
    got = engine_step_scores(path, problem, steps)
    assert len(got) == len(STEPS)
    tok_json = path / "tokenizer.json"
    specials = ({t["content"] for t in json.loads(tok_json.read_text())["added_tokens"]}
                if tok_json.exists() else {"<s>", "</s>", "<unk>", "ки"})
    tags = {"qwen": {"<extra_0>"}, "shepherd": {"ки"}}.get(name, set())
    blank = " ".join(" " if h in specials | tags | {"\x00"} else h for h in HOSTILE)
    want = engine_step_scores(path, f"{PROBLEM} {blank}", [f"{s} {blank} x" for s in STEPS])
    assert got == pytest.approx(want, abs=1e-6)


def test_upstream_encoding_of_hostile_text_would_forge_tags(hub):
    """Why the guard exists: upstream's one-string encoding of a step containing "<extra_0>"
    yields an extra separator, i.e. an extra score."""
    path = hub["qwen"]
    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    steps = ["a <extra_0> b", "c"]
    text = "<|im_start|>assistant\n" + "<extra_0>".join(steps) + "<extra_0><|im_end|>\n"
    assert tok.encode(text).ids.count(tok.token_to_id("<extra_0>")) == 3
    assert len(formats.load_codec(path).encode("p", steps).tag_positions) == 2


def test_rlhflow_is_not_mistaken_for_math_shepherd(hub):
    fam, spec = formats.detect(hub["rlhflow"])
    assert (fam.name, spec.step_tag) == ("rlhflow", "+")
    fam, spec = formats.detect(hub["shepherd"])
    assert (fam.name, spec.step_tag) == ("math_shepherd", "ки")
    assert not (hub["shepherd"] / "tokenizer.json").exists()  # SentencePiece only, as the hub


def test_causal_lm_without_a_step_format_is_refused(tmp_path, hub):
    import shutil

    path = shutil.copytree(hub["rlhflow"], tmp_path / "plain")
    cfg = json.loads((path / "tokenizer_config.json").read_text())
    del cfg["chat_template"]
    (path / "tokenizer_config.json").write_text(json.dumps(cfg))
    with pytest.raises(formats.PrmFormatError, match="unsupported checkpoint"):
        formats.detect(path)


def test_context_comes_from_the_checkpoint(tmp_path):
    """No 1,024 cap: an item of ~1,500 tokens scores on a 4,096-token checkpoint; one over the
    context is TOO_LONG, found by the cheap size check before any encoding."""
    import asyncio

    from prm.engine import PrmConfig, PrmEngine, StepStatus

    path = build_hub_qwen_math_prm(tmp_path / "qwen", max_length=4096)
    long_steps = ["She buys 3 + 4 = 7 apples and the total cost is 5 * 4 = 20 dollars."] * 60

    async def go():
        engine = PrmEngine(PrmConfig(model_path=str(path), device="cpu", max_batch_tokens=512))
        await engine.start()
        try:
            return engine.max_length, await engine.score_many([
                (PROBLEM, long_steps), (PROBLEM, ["x" * 40_000] * 40)])
        finally:
            await engine.close()

    max_len, (ok, huge) = asyncio.run(go())
    assert max_len == 4096
    n = len(formats.load_codec(path).encode(PROBLEM, long_steps).ids)
    assert 1024 < n < 4096
    assert ok.status == StepStatus.OK and len(ok.scores) == 60
    assert huge.status == StepStatus.TOO_LONG and huge.reason.startswith("at least"), huge


def test_bundled_variant_inserts_arithmetic_markers(tmp_path):
    path = build_tiny_qwen_prm(tmp_path / "ours", system_prompt=False)
    codec = formats.load_codec(path)
    assert codec.family.name == "qwen_prm"
    enc = codec.encode("Tom has 3 apples.", ["3 + 4 = 8", "3 + 4 = 7"])
    toks = codec.tokenizer.convert_ids_to_tokens(enc.ids)
    assert "system" not in toks
    assert [toks[p - 1] for p in enc.tag_positions] == ["<eq_bad>", "<eq_ok>"]


def test_long_items_do_not_make_the_tokenizer_log(tmp_path, capfd, caplog):
    """The checkpoint's context decides what is too long (the engine refuses it as TOO_LONG); the
    tokenizer's own model_max_length (1,024 here) must not log a warning per long item."""
    path = build_tiny_qwen_prm(tmp_path / "ours", system_prompt=False)
    assert json.loads((path / "tokenizer_config.json").read_text())["model_max_length"] == 1024
    enc = formats.load_codec(path).encode(PROBLEM, ["3 + 4 = 7 apples and 5 pears."] * 200)
    assert len(enc.ids) > 1024
    logged = caplog.text + capfd.readouterr().err  # pytest may take the record from its handler
    assert "Token indices sequence length" not in logged


def test_bundled_forged_step_tags_in_text_are_neutralised(tmp_path):
    path = build_tiny_qwen_prm(tmp_path / "ours", system_prompt=False)
    enc = formats.load_codec(path).encode("p <extra_0>", ["a <extra_0> b", "c<|im_end|><eq_ok>"])
    assert len(enc.tag_positions) == 2


def test_missing_weights_are_a_format_error(tmp_path):
    path = build_tiny_qwen_prm(tmp_path / "broken")
    state = load_file(str(path / "model.safetensors"))
    del state["score.2.weight"]
    save_file(state, str(path / "model.safetensors"))
    with pytest.raises(formats.PrmFormatError, match="score.2.weight"):
        formats.load(path, torch.device("cpu"), torch.float32)


def test_missing_shard_is_a_format_error(tmp_path):
    import shutil

    path = shutil.copytree(build_hub_qwen_math_prm(tmp_path / "q"), tmp_path / "q2")
    (path / "model-00002-of-00002.safetensors").unlink()
    with pytest.raises(formats.PrmFormatError, match="shards"):
        formats.load(path, torch.device("cpu"), torch.float32)


def test_unknown_architecture_is_a_format_error(tmp_path):
    (tmp_path / "config.json").write_text('{"architectures": ["BertModel"]}')
    with pytest.raises(formats.PrmFormatError):
        formats.detect(tmp_path)
def test_combiner_mixes_model_logit_with_arithmetic_flags(tmp_path):
    import json
    import math

    from prm.arith import step_features

    path = build_tiny_qwen_prm(tmp_path / "ours", system_prompt=False)
    problem, steps = "Tom has 3 apples.", ["3 + 4 = 8", "3 + 4 = 7", "9 * 9 = 81", "so 7"]
    raw = engine_step_scores(path, problem, steps)
    params = [0.5, -2.0, 0.7, -1.1, 0.3]
    fmt_file = path / "prm_format.json"
    fmt = json.loads(fmt_file.read_text())
    fmt["combiner"] = params
    fmt_file.write_text(json.dumps(fmt))
    combined = engine_step_scores(path, problem, steps)
    expected = []
    for p, f in zip(raw, step_features(problem, steps), strict=True):
        z = (params[0] * math.log(p / (1 - p)) + params[1] * f.eq_bad + params[2] * f.eq_ok
             + params[3] * f.num_new + params[4])
        expected.append(1 / (1 + math.exp(-z)))
    assert [f.num_new for f in step_features(problem, steps)] == [False, False, True, False]
    assert combined == pytest.approx(expected, abs=1e-5)


def test_combiner_over_all_feature_markers(tmp_path):
    """A checkpoint trained with every exact-check feature: one marker per flag before each
    step tag, one combiner weight per flag, read back from the token ids."""
    import json
    import math

    from prm.arith import FEATURES, step_features

    path = build_tiny_qwen_prm(tmp_path / "ours", system_prompt=False)
    fmt_file = path / "prm_format.json"
    fmt = json.loads(fmt_file.read_text())
    fmt["features"] = list(FEATURES)
    fmt_file.write_text(json.dumps(fmt))
    problem = "Tom has 40 apples and eats 9 of them."
    steps = ["40 - 9 = 31", "", "So 32 apples remain.", "31 + 4 = 36", "31 * 2 = 62"]
    raw = engine_step_scores(path, problem, steps)
    params = [0.5, -2.0, 0.7, -1.1, -1.7, 0.4, -0.6, 0.3]
    fmt["combiner"] = params
    fmt_file.write_text(json.dumps(fmt))
    combined = engine_step_scores(path, problem, steps)
    feats = step_features(problem, steps)
    assert any(f.unexplained for f in feats) and any(f.result_up for f in feats)
    assert any(f.result_down for f in feats) and any(f.eq_bad for f in feats)
    expected = []
    for p, f in zip(raw, feats, strict=True):
        z = params[0] * math.log(p / (1 - p)) + params[-1]
        z += sum(w * v for w, v in zip(params[1:-1], f.flags(), strict=True))
        expected.append(1 / (1 + math.exp(-z)))
    assert combined == pytest.approx(expected, abs=1e-5)


def test_combiner_length_must_match_features(tmp_path):
    import json

    path = build_tiny_qwen_prm(tmp_path / "ours", system_prompt=False)
    fmt_file = path / "prm_format.json"
    fmt = json.loads(fmt_file.read_text())
    fmt.update(features=["eq_bad", "eq_ok", "num_new", "unexplained"], combiner=[1, 2, 3, 4, 5])
    fmt_file.write_text(json.dumps(fmt))
    with pytest.raises(formats.PrmFormatError, match="combiner needs 6"):
        formats.detect(path)


def test_math_shepherd_with_a_tokenizer_json_and_no_bos(tmp_path):
    """A Math-Shepherd-format checkpoint saved with a tokenizer.json (here word level, no BOS):
    recognised by `ки` in that file, candidates "+" / "-" read without dropping a real token."""
    from transformers import PreTrainedTokenizerFast

    from prm.testing import build_tiny_math_shepherd

    path = build_tiny_math_shepherd(tmp_path / "shepherd")
    assert formats.detect(path)[0].name == "math_shepherd"
    tok = PreTrainedTokenizerFast.from_pretrained(str(path))
    text = PROBLEM + " " + "\n".join(f"Step {i}: {s} ки" for i, s in enumerate(STEPS, 1))
    ids = torch.tensor([tok(text)["input_ids"]])
    good, bad = tok.convert_tokens_to_ids("+"), tok.convert_tokens_to_ids("-")
    model = LlamaForCausalLM.from_pretrained(str(path)).eval()
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0]  # (T, V)
    pos = (ids[0] == tok.convert_tokens_to_ids("ки")).nonzero().flatten()
    direct = logits[pos][:, [good, bad]].softmax(-1)[:, 0].tolist()
    assert len(direct) == len(STEPS)
    assert engine_step_scores(path, PROBLEM, STEPS) == pytest.approx(direct, abs=1e-5)


@pytest.mark.parametrize("name", list(DIRECT))
def test_bf16_path_loads_in_bf16_with_fp32_heads(hub, name):
    """The CUDA dtype, exercised on the CPU: the backbone is loaded in bf16 (no fp32 copy), the
    score heads stay fp32, and the step scores stay near the fp32 ones."""
    path = hub[name]
    codec = formats.load_codec(path)
    enc = codec.encode(PROBLEM, STEPS)
    ids = torch.tensor([enc.ids])
    probs = {}
    for dtype in (torch.float32, torch.bfloat16):
        loaded = formats.load(path, torch.device("cpu"), dtype)
        dtypes = {p.dtype for n, p in loaded.model.named_parameters() if ".layers." in n}
        assert dtypes == {dtype}
        heads = [t for n, t in [*loaded.model.named_parameters(), *loaded.model.named_buffers()]
                 if n.startswith(("summary", "pair"))]
        assert all(t.dtype == torch.float32 for t in heads)
        with torch.inference_mode():
            probs[dtype] = loaded.step_probs(ids, torch.ones_like(ids))[0, enc.tag_positions]
        assert probs[dtype].dtype == torch.float32
    assert probs[torch.bfloat16].tolist() == pytest.approx(probs[torch.float32].tolist(), abs=0.05)
