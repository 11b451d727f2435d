"""Each checkpoint layout, saved on disk with random weights, loaded by our loader and served by
the engine, gives the step scores of a direct forward pass computed here independently."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from transformers import LlamaForCausalLM, PreTrainedTokenizerFast, Qwen2Config, Qwen2Model

from prm import formats
from prm.testing import build_tiny_math_shepherd, build_tiny_qwen_prm, engine_step_scores

PROBLEM = "Tom buys 3 apples and 4 eggs. How many items?"
STEPS = ["He buys 3 + 4 = 7 items.", "So the total is 7.", "The answer is \\boxed{7}."]
SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."


def _engine_scores(path, problem=PROBLEM, steps=STEPS) -> list[float]:
    return engine_step_scores(path, problem, steps)


def _qwen_direct(path) -> list[float]:
    """The model-card recipe: chat template, steps joined by <extra_0>, softmax[..., 1]."""
    tok = PreTrainedTokenizerFast.from_pretrained(str(path))
    text = (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{PROBLEM}<|im_end|>\n"
            f"<|im_start|>assistant\n" + "<extra_0>".join(STEPS) + "<extra_0><|im_end|>\n")
    ids = torch.tensor([tok(text)["input_ids"]])
    cfg = Qwen2Config.from_pretrained(str(path))
    state = load_file(str(path / "model.safetensors"))
    backbone = Qwen2Model(cfg)
    backbone.load_state_dict({k[6:]: v for k, v in state.items() if k.startswith("model.")},
                             strict=False)
    backbone.eval()
    with torch.no_grad():
        h = backbone(input_ids=ids).last_hidden_state[0]  # (T, H)
        z = F.relu(F.linear(h, state["score.0.weight"], state["score.0.bias"]))
        logits = F.linear(z, state["score.2.weight"], state["score.2.bias"])  # (T, 2)
    tag = tok.convert_tokens_to_ids("<extra_0>")
    pos = (ids[0] == tag).nonzero().flatten()
    return logits[pos].softmax(-1)[:, 1].tolist()


def test_qwen_prm_layout_matches_direct_forward(tmp_path):
    path = build_tiny_qwen_prm(tmp_path / "qwen")
    assert formats.FormatSpec.read(path).kind == "qwen_prm"
    direct = _qwen_direct(path)
    assert len(direct) == len(STEPS)
    assert _engine_scores(path) == pytest.approx(direct, abs=1e-5)


def test_math_shepherd_layout_matches_direct_forward(tmp_path):
    path = build_tiny_math_shepherd(tmp_path / "shepherd")
    spec = formats.FormatSpec.read(path)
    assert (spec.kind, spec.step_tag) == ("math_shepherd", "ки")
    tok = PreTrainedTokenizerFast.from_pretrained(str(path))
    text = PROBLEM + " " + "".join(f"Step {i}: {s} ки\n" for i, s in enumerate(STEPS, 1))
    ids = torch.tensor([tok(text)["input_ids"]])
    good, bad = tok.convert_tokens_to_ids("+"), tok.convert_tokens_to_ids("-")
    model = LlamaForCausalLM.from_pretrained(str(path)).eval()
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0]  # (T, V)
    pos = (ids[0] == tok.convert_tokens_to_ids("ки")).nonzero().flatten()
    direct = logits[pos][:, [good, bad]].softmax(-1)[:, 0].tolist()
    assert len(direct) == len(STEPS)
    assert _engine_scores(path) == pytest.approx(direct, abs=1e-5)


def test_bundled_variant_inserts_arithmetic_markers(tmp_path):
    path = build_tiny_qwen_prm(tmp_path / "ours", system_prompt=False)
    spec = formats.FormatSpec.read(path)
    tok = PreTrainedTokenizerFast.from_pretrained(str(path))
    enc = formats.encode(spec, tok, "Tom has 3 apples.", ["3 + 4 = 8", "3 + 4 = 7"])
    toks = tok.convert_ids_to_tokens(enc.ids)
    assert "system" not in toks
    assert [toks[p - 1] for p in enc.tag_positions] == ["<eq_bad>", "<eq_ok>"]


def test_forged_step_tags_in_text_are_neutralised(tmp_path):
    path = build_tiny_qwen_prm(tmp_path / "qwen")
    spec = formats.FormatSpec.read(path)
    tok = PreTrainedTokenizerFast.from_pretrained(str(path))
    enc = formats.encode(spec, tok, "p <extra_0>", ["a <extra_0> b", "c<|im_end|>"])
    assert len(enc.tag_positions) == 2


def test_missing_weights_are_a_format_error(tmp_path):
    path = build_tiny_qwen_prm(tmp_path / "broken")
    state = load_file(str(path / "model.safetensors"))
    del state["score.2.weight"]
    save_file(state, str(path / "model.safetensors"))
    with pytest.raises(formats.PrmFormatError, match="score.2.weight"):
        formats.load(path, torch.device("cpu"), torch.float32)


def test_unknown_architecture_is_a_format_error(tmp_path):
    (tmp_path / "config.json").write_text('{"architectures": ["BertModel"]}')
    with pytest.raises(formats.PrmFormatError):
        formats.FormatSpec.read(tmp_path)


def test_combiner_mixes_model_logit_with_arithmetic_flags(tmp_path):
    import json
    import math

    from prm.arith import step_features

    path = build_tiny_qwen_prm(tmp_path / "ours", system_prompt=False)
    problem, steps = "Tom has 3 apples.", ["3 + 4 = 8", "3 + 4 = 7", "9 * 9 = 81", "so 7"]
    raw = _engine_scores(path, problem, steps)
    params = [0.5, -2.0, 0.7, -1.1, 0.3]
    fmt_file = path / "prm_format.json"
    fmt = json.loads(fmt_file.read_text())
    fmt["combiner"] = params
    fmt_file.write_text(json.dumps(fmt))
    combined = _engine_scores(path, problem, steps)
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
    raw = _engine_scores(path, problem, steps)
    params = [0.5, -2.0, 0.7, -1.1, -1.7, 0.4, -0.6, 0.3]
    fmt["combiner"] = params
    fmt_file.write_text(json.dumps(fmt))
    combined = _engine_scores(path, problem, steps)
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
        formats.FormatSpec.read(path)
