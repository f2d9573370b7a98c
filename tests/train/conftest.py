"""Fixtures for the training tests: a tiny 2-layer Llama built offline on SmolLM2's tokenizer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 2-layer Llama (hidden 32) saved with the SmolLM2 tokenizer."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from stagewise.checkpoints import materialize
    from stagewise.evaluate.study import PackagedSource

    tok = AutoTokenizer.from_pretrained(str(materialize(PackagedSource(name="smollm2-135m-instruct"))))
    tok.chat_template = None  # a base model ships no template: the config must supply one
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=256,
                         bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, tie_word_embeddings=True)
    out = tmp_path_factory.mktemp("tiny") / "base"
    LlamaForCausalLM(config).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def tiny_sft_config(base: Path, out: Path, **trl: Any) -> dict[str, Any]:
    """A few-step full fine-tune of the tiny base on 16 bundled rows."""
    return {
        "stage": "sft",
        "base": f"hf:{base}",
        "chat_template": "chatml",
        "output_dir": str(out),
        "mixture": {"seed": 1, "total": 16, "safety_share": 0.5, "sources": [
            {"path": "bundled:sft_helpful.jsonl"}, {"path": "bundled:sft_refusals.jsonl", "safety": True}]},
        "trl": {"max_steps": 4, "per_device_train_batch_size": 4, "learning_rate": 5e-3, "max_length": 96,
                "logging_steps": 1, "save_steps": 2, "activation_checkpointing": False, "bf16": False,
                "dataloader_num_workers": 0, "disable_tqdm": True, **trl},
    }


def max_weight_change(a: Path, b: Path) -> float:
    """Largest absolute difference between two checkpoints' shared weights."""
    from safetensors.torch import load_file

    wa, wb = load_file(str(a / "model.safetensors")), load_file(str(b / "model.safetensors"))
    return max(float((wa[k].float() - wb[k].float()).abs().max()) for k in wa if k in wb)
