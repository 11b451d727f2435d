"""A real TRL GRPO run whose reward comes from a live mathreward server through the TRL adapter.

Run: .venv/bin/pytest tests/trainers/test_trl_run.py -q
A tiny random Qwen2 policy and a byte-level BPE tokenizer are built in a temp dir (no hub), then
`GRPOTrainer` takes 2 optimizer steps on the CPU with `reward_funcs=[make_reward_func(...)]`.
Skipped only where trl is not installed (the `trainers` extra).
"""

from __future__ import annotations

import pytest

trl = pytest.importorskip("trl", reason="the 'trainers' extra (trl) is not installed")

import torch  # noqa: E402 - after the skip: trl brings torch
from datasets import Dataset  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM  # noqa: E402

from mathreward.adapters.trl import make_reward_func  # noqa: E402

STEPS, BATCH, GENERATIONS = 2, 2, 2


def build_tiny_policy(directory: str) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer (vocab 300) and a 2-layer Qwen2 with random weights, saved."""
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    corpus = [f"What is {a}+{b}? The answer is \\boxed{{{a + b}}}." for a in range(10)
              for b in range(10)]
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<pad>", "<eos>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<eos>", pad_token="<pad>")
    tokenizer.save_pretrained(directory)
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
                         max_position_embeddings=128, tie_word_embeddings=True,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    Qwen2ForCausalLM(config).save_pretrained(directory)
    return tokenizer


@pytest.mark.slow
def test_grpo_two_steps_with_the_service_as_reward(tmp_path, make_server):
    srv = make_server()  # its own metrics registry: exact counts
    tokenizer = build_tiny_policy(str(tmp_path / "policy"))
    dataset = Dataset.from_list([{"prompt": f"What is {a}+{b}? ", "answer": str(a + b)}
                                 for a in range(4) for b in range(4)])
    reward = make_reward_func(address=srv.address, spec="orm", answer_column="answer")
    args = trl.GRPOConfig(
        output_dir=str(tmp_path / "out"), max_steps=STEPS, per_device_train_batch_size=BATCH,
        num_generations=GENERATIONS, max_completion_length=8, use_vllm=False, report_to=[],
        logging_steps=1, save_strategy="no", use_cpu=True, bf16=False, learning_rate=1e-3,
        seed=0, dataloader_num_workers=0, disable_tqdm=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        trainer = trl.GRPOTrainer(model=str(tmp_path / "policy"), reward_funcs=[reward],
                                  args=args, train_dataset=dataset, processing_class=tokenizer)
        result = trainer.train()
    finally:
        torch.set_num_threads(threads)
        reward.close()
    assert result.global_step == STEPS
    # At the server: one ComputeReward per reward call, one item per completion.
    sample = srv.metrics.registry.get_sample_value
    completions = STEPS * BATCH  # each step generates its batch's completions (G per prompt)
    assert sample("mathreward_batch_size_count", {"method": "ComputeReward"}) == STEPS
    assert sample("mathreward_batch_size_sum", {"method": "ComputeReward"}) == completions
    # TRL logged our reward under the function's name, and the parts via log_metric.
    logged = [row for row in trainer.state.log_history if "rewards/mathreward_orm/mean" in row]
    assert len(logged) == STEPS
    assert all("mathreward/correct" in row for row in logged)
