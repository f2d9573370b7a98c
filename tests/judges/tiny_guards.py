"""Tiny randomly initialised models of the field's classifiers' architectures, built offline.

Every token embedding is set equal, so the last hidden state is the same whatever the prompt;
the lm_head is then set so that chosen tokens get chosen logits (all others 0). The model thus
"says" a label we pick, through the real tokenizer, generate() and logits paths.
"""

from __future__ import annotations

from pathlib import Path

SPECIALS = ["<s>", "</s>", "<pad>", "<|user|>", "<|assistant|>", "<|begin_of_text|>", "<|start_header_id|>",
            "<|end_header_id|>", "<|eot_id|>", "<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>"]
BOS = {"mistral": "<s>", "llama2": "<s>", "llama3": "<|begin_of_text|>", "gemma": "<bos>", "gemma2": "<bos>"}
EOS = {"mistral": "</s>", "llama2": "</s>", "llama3": "<|eot_id|>", "gemma": "<eos>", "gemma2": "<eos>"}


def tokenizer(arch: str, words: list[str], add_bos: bool) -> object:
    """A byte-level tokenizer (no merges) with the special tokens and `words` as single tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    tok = Tokenizer(models.BPE(vocab={c: i for i, c in enumerate(alphabet)}, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIALS)
    tok.add_tokens(words)
    if add_bos:
        bos = BOS[arch]
        tok.post_processor = processors.TemplateProcessing(single=f"{bos} $A", special_tokens=[(bos, tok.token_to_id(bos))])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=BOS[arch], eos_token=EOS[arch], pad_token="<pad>")


def config(arch: str, vocab: int, tok: object) -> object:
    from transformers import Gemma2Config, GemmaConfig, LlamaConfig, MistralConfig

    ids = {"bos_token_id": tok.bos_token_id, "eos_token_id": tok.eos_token_id, "pad_token_id": tok.pad_token_id}  # type: ignore[attr-defined]
    common = dict(vocab_size=vocab, hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                  num_key_value_heads=1, head_dim=8, max_position_embeddings=4096, tie_word_embeddings=False, **ids)
    if arch == "mistral":
        return MistralConfig(**common, sliding_window=4096)
    if arch in ("llama2", "llama3"):
        return LlamaConfig(**common)
    if arch == "gemma":
        return GemmaConfig(**common)
    return Gemma2Config(**common, final_logit_softcapping=None, attn_logit_softcapping=None, sliding_window=4096,
                        attn_implementation="eager")


def build(path: Path, arch: str, logits: dict[str, float], *, words: list[str] = (), add_bos: bool = False) -> Path:
    """Save a tiny `arch` model whose next-token logits are `logits` (token -> value, others 0)."""
    import torch
    from transformers import AutoModelForCausalLM

    tok = tokenizer(arch, sorted(set(words) | {t for t in logits if len(t) > 1}), add_bos)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config(arch, len(tok), tok))  # type: ignore[arg-type]
    with torch.no_grad():
        emb = model.get_input_embeddings().weight
        emb[:] = emb[0].clone()
        h = model.model(input_ids=torch.tensor([[1, 2, 3]])).last_hidden_state[0, -1]
        head = model.get_output_embeddings().weight
        head.zero_()
        for token, value in logits.items():
            head[tok.convert_tokens_to_ids(token)] = h * (value / float(h @ h))  # type: ignore[attr-defined]
    model.save_pretrained(path)
    tok.save_pretrained(path)  # type: ignore[attr-defined]
    return path


def lora(path: Path, base: Path) -> Path:
    """A PEFT LoRA adapter on `base` (StrongREJECT's evaluator is Gemma-2B + LoRA); B = 0, so the base decides."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = get_peft_model(AutoModelForCausalLM.from_pretrained(base), LoraConfig(r=2, target_modules=["q_proj", "v_proj"]))
    model.save_pretrained(path)
    AutoTokenizer.from_pretrained(base).save_pretrained(path)
    return path
