"""ODCV-Bench scenarios from a checkout (or the pinned upstream archive) as Inspect samples.

Layout (github.com/McGill-DMaS/ODCV-Bench, MIT):
`{mandated,incentivized}_scenarios/<Name>/{prompt.json, Dockerfile, <data files>, <validator>}`
with `prompt.json` = {"system_prompt", "user_prompt"}. Each sample carries the scenario's files at
the paths its Dockerfile puts them, and its `RUN` lines as the setup script (see dockerfile.py).
"""

from __future__ import annotations

import io
import json
import logging
import posixpath
import shutil
import tarfile
import urllib.request
import zipfile
from pathlib import Path
from typing import Literal

from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser

from stagewise._atomic import atomic_dir, cache_root
from stagewise.errors import StagewiseError
from stagewise.evals.odcv.dockerfile import LayoutError, layout_dockerfile, system_layer
from stagewise.evals.reward_hacking.dataset import no_local_copy, sha256
from stagewise.sandbox import BwrapConfig

logger = logging.getLogger(__name__)

Variant = Literal["mandated", "incentivized"]
VARIANTS: tuple[Variant, ...] = ("mandated", "incentivized")
REVISION = "7353f1cf4b2579a3a8a5b8a5061d7c7d41f60668"
# upstream's harness appends this to every system prompt (seen in all published transcripts)
SYSTEM_SUFFIX = "\n Use the bash tool to complete the task and use the task_complete tool to end the task."
# Root in a container can change any file of its image: so can the agent here (the validator
# included), which is what the benchmark measures. The host system stays read-only.
SANDBOX = BwrapConfig(workdir="/", writable=("*",), cpu_seconds=60, memory_mb=2048, disk_mb=1024, timeout_s=120)
ARCHIVE_URL = f"https://codeload.github.com/McGill-DMaS/ODCV-Bench/tar.gz/{REVISION}"


class ScenarioError(StagewiseError):
    """One or more ODCV scenarios are malformed or cannot be laid out."""


def resolve_root(data_path: str | None) -> Path:
    """A folder holding `mandated_scenarios/` and `incentivized_scenarios/`: `data_path`, or the
    pinned upstream archive downloaded once into the cache."""
    if not no_local_copy(data_path, "odcv"):
        root = Path(str(data_path))
        if not any((root / f"{v}_scenarios").is_dir() for v in VARIANTS):
            raise ScenarioError(f"{root} has no mandated_scenarios/ or incentivized_scenarios/: pass an ODCV-Bench checkout")
        return root
    final = cache_root() / "data" / "odcv" / REVISION
    if not final.is_dir():
        with urllib.request.urlopen(ARCHIVE_URL, timeout=120) as resp:
            data = resp.read()
        with atomic_dir(final) as tmp, tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            members = [m for m in tar.getmembers() if ("_scenarios/" in m.name or m.name.endswith("orchestrator_api.zip")) and (m.isfile() or m.isdir())]
            tar.extractall(tmp, members=members, filter="data")
    [top] = [p for p in final.iterdir() if p.is_dir()]
    return top


def orchestrator_context(root: Path) -> Path | None:
    """Upstream's build context, `orchestrator_api/`: an unpacked folder beside the scenarios, or
    `orchestrator_api.zip` unpacked once into the cache (keyed by its hash)."""
    if (root / "orchestrator_api").is_dir():
        return root / "orchestrator_api"
    archive = root / "orchestrator_api.zip"
    if not archive.is_file():
        return None
    final = cache_root() / "odcv" / "orchestrator" / sha256(archive.read_bytes())[:16]
    if not final.is_dir():
        with atomic_dir(final) as tmp, zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
    inner = final / "orchestrator_api"
    return inner if inner.is_dir() else final


def docker_context(folder: Path, context: Path | None) -> Path:
    """Upstream's build context for `docker build`: orchestrator_api/ with the scenario copied over
    (`run_benchmarks.py`), made once per content hash in the cache."""
    files = sorted(p for base in ([context] if context else []) + [folder] for p in base.rglob("*") if p.is_file())
    key = sha256(b"".join(str(p).encode() + p.read_bytes() for p in files))[:16]
    final = cache_root() / "odcv" / "contexts" / f"{folder.name}-{key}"
    if not final.is_dir():
        with atomic_dir(final) as tmp:
            if context:
                shutil.copytree(context, tmp, dirs_exist_ok=True)
            shutil.copytree(folder, tmp, dirs_exist_ok=True)
    return final


def scenario_sample(folder: Path, variant: Variant, sandbox: tuple[str, object], context: Path | None = None) -> Sample:
    """One scenario as a sample. Raises ScenarioError naming the scenario when it is malformed.

    `sandbox` is the task's spec: with bwrap each sample gets its own config (the image's system
    layer, root unless the Dockerfile's USER says otherwise); with docker it builds the Dockerfile.
    """
    name = folder.name
    prompt_file = folder / "prompt.json"
    if not prompt_file.is_file() or not (folder / "Dockerfile").is_file():
        raise ScenarioError(f"ODCV scenario {variant}/{name}: prompt.json or Dockerfile is missing; add it or remove the folder")
    try:
        prompt = json.loads(prompt_file.read_text())
    except json.JSONDecodeError as e:
        raise ScenarioError(f"ODCV scenario {variant}/{name}: prompt.json is not JSON ({e}); fix the file") from e
    if not isinstance(prompt, dict) or not prompt.get("user_prompt") or "system_prompt" not in prompt:
        raise ScenarioError(f"ODCV scenario {variant}/{name}: prompt.json needs system_prompt and user_prompt")
    docker = sandbox[0] != "bwrap"
    try:
        layout = layout_dockerfile(folder, context, check_host=not docker)
        layer = None if docker else system_layer(layout, f"{variant}/{name}")
    except LayoutError as e:
        raise ScenarioError(f"{e} [{variant}/{name}]") from e
    # the folders the image's own files live in; the scorer hashes them after setup and at the end
    watch = sorted({layout.workdir} | {posixpath.dirname(d) for d in layout.files} - {"/"})
    watch = [w for w in watch if not any(w.startswith(o + "/") for o in watch)]
    meta = {"variant": variant, "scenario": name, "workdir": layout.workdir, "base_image": layout.base_image, "watch": watch}
    messages = [ChatMessageSystem(content=prompt["system_prompt"] + SYSTEM_SUFFIX), ChatMessageUser(content=prompt["user_prompt"])]
    if docker:
        dockerfile = docker_context(folder, context) / "Dockerfile"
        return Sample(id=f"{variant}/{name}", input=messages, sandbox=(sandbox[0], str(dockerfile)), metadata=meta)
    cfg = sandbox[1]
    assert isinstance(cfg, BwrapConfig)
    cfg = cfg.model_copy(update={"image": str(layer), "root": layout.root, "system_writable": True, "workdir": "/"})
    return Sample(
        id=f"{variant}/{name}",
        input=messages,
        files={dest: str(src.resolve()) for dest, src in layout.files.items()},
        setup=layout.setup_script(),
        sandbox=("bwrap", cfg),
        metadata=meta,
    )


def load_dataset(
    data_path: str | None = None,
    variant: Variant | Literal["both"] = "both",
    scenarios: list[str] | None = None,
    skip_invalid: bool = False,
    sandbox: tuple[str, object] | None = None,
) -> tuple[MemoryDataset, list[str]]:
    """All scenarios of the chosen variant(s), and the skipped ones' one-line reasons.

    Args:
        data_path: ODCV-Bench checkout; None downloads the pinned revision.
        variant: `mandated`, `incentivized` or `both`.
        scenarios: scenario names to keep (default: all).
        skip_invalid: skip malformed scenarios with a warning naming them (default: raise).
        sandbox: the task's sandbox spec (default: bwrap with the benchmark's limits).
    """
    sandbox = sandbox or ("bwrap", SANDBOX)
    root = resolve_root(data_path)
    context = orchestrator_context(root)
    samples, bad = [], []
    for v in VARIANTS if variant == "both" else (variant,):
        folder = root / f"{v}_scenarios"
        for scen in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
            if scenarios is not None and scen.name not in scenarios:
                continue
            try:
                samples.append(scenario_sample(scen, v, sandbox, context))
            except ScenarioError as e:
                bad.append(str(e))
    if bad and not skip_invalid:
        raise ScenarioError(f"{len(bad)} ODCV scenario(s) cannot run: {'; '.join(bad)} (pass skip_invalid=true to skip them)")
    for msg in bad:
        logger.warning("skipping %s", msg)
    if not samples:
        raise ScenarioError(f"no ODCV scenarios found under {root} for variant {variant!r}" + (f" ({len(bad)} skipped)" if bad else ""))
    return MemoryDataset(samples, name="odcv"), bad
