"""Chat templates of Qwen2.5, Llama 3.1 and Mistral v0.3, and a small real tokenizer for each.

The templates are written here by hand (no hub download) to render exactly what the real ones
render for a system/user conversation with `add_generation_prompt=True`:

    Qwen2.5    <|im_start|>system\\nS<|im_end|>\\n<|im_start|>user\\nQ<|im_end|>\\n
               <|im_start|>assistant\\n
    Llama 3.1  <|begin_of_text|><|start_header_id|>system<|end_header_id|>\\n\\nS<|eot_id|>
               <|start_header_id|>user<|end_header_id|>\\n\\nQ<|eot_id|>
               <|start_header_id|>assistant<|end_header_id|>\\n\\n
    Mistral    <s>[INST] Q[/INST]            (v0.3; no system role, no generation prompt)

`build_tokenizer(family, directory, nfkc=False)` trains a byte-level BPE (vocab 600) on maths text,
adds the family's special tokens, and sets its chat template, BOS and EOS: a real
`PreTrainedTokenizerFast` that OpenRLHF's own code (apply_chat_template, encode, decode with
special tokens kept, left truncation) runs on. `nfkc=True` gives it an NFKC normalizer, so a
decode does not give back full-width digits or ligatures: the Unicode round trip that breaks a
verbatim prompt match.
"""

from __future__ import annotations

from dataclasses import dataclass

QWEN_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
    "assistant.<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}{%- if message['role'] != 'system' %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

LLAMA3_TEMPLATE = (
    "{{- bos_token }}"
    "{%- if messages[0]['role'] == 'system' %}"
    "{%- set system_message = messages[0]['content'] | trim %}"
    "{%- set messages = messages[1:] %}"
    "{%- else %}{%- set system_message = '' %}{%- endif %}"
    "{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' }}"
    "{{- 'Cutting Knowledge Date: December 2023\\n' }}"
    "{{- 'Today Date: 26 Jul 2024\\n\\n' }}"
    "{{- system_message }}{{- '<|eot_id|>' }}"
    "{%- for message in messages %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + "
    "message['content'] | trim + '<|eot_id|>' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)

MISTRAL_TEMPLATE = (
    "{{- bos_token }}"
    "{%- for message in messages %}"
    "{%- if message['role'] == 'user' %}{{- '[INST] ' + message['content'] + '[/INST]' }}"
    "{%- elif message['role'] == 'assistant' %}{{- message['content'] + eos_token }}"
    "{%- endif %}{%- endfor %}"
)


@dataclass(frozen=True)
class Family:
    name: str
    template: str
    bos: str | None
    eos: str  # what the model generates to end its turn
    specials: tuple[str, ...]
    system: bool  # the template takes a system message


FAMILIES = {
    "qwen": Family("qwen", QWEN_TEMPLATE, None, "<|im_end|>",
                   ("<|im_start|>", "<|im_end|>", "<|endoftext|>"), True),
    "llama3": Family("llama3", LLAMA3_TEMPLATE, "<|begin_of_text|>", "<|eot_id|>",
                     ("<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                      "<|eot_id|>", "<|end_of_text|>"), True),
    "mistral": Family("mistral", MISTRAL_TEMPLATE, "<s>", "</s>",
                      ("<s>", "</s>", "[INST]", "[/INST]"), False),
}

_CORPUS = [f"What is {a}*{b}? The answer is \\boxed{{{a * b}}}. So {a} times {b} is {a * b}."
           for a in range(12) for b in range(12)] + [
    "Solve the problem step by step. Put the final answer in a box like \\boxed{7}.",
    "You are a helpful assistant. I am not sure. Let me think.",
]


def build_tokenizer(family: str, directory: str, nfkc: bool = False):
    """A real fast tokenizer for `family` (see the module docstring), saved to `directory`."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    spec = FAMILIES[family]
    bpe = Tokenizer(models.BPE())
    if nfkc:
        bpe.normalizer = normalizers.NFKC()
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(_CORPUS, trainers.BpeTrainer(
        vocab_size=600, special_tokens=list(spec.specials),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token=spec.eos,
                                        bos_token=spec.bos, pad_token=spec.eos)
    tokenizer.chat_template = spec.template
    tokenizer.save_pretrained(directory)
    return tokenizer


def chat(family: str, question: str, system: str | None = None) -> list[dict[str, str]]:
    messages = []
    if system is not None and FAMILIES[family].system:
        messages.append({"role": "system", "content": system})
    elif system is not None:  # Mistral: no system role; the instructions go in the user turn
        question = f"{system}\n\n{question}"
    messages.append({"role": "user", "content": question})
    return messages
