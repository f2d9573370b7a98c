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
import tarfile
import urllib.request
from pathlib import Path
from typing import Literal

from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser

from stagewise._atomic import atomic_dir, cache_root
from stagewise.errors import StagewiseError
from stagewise.evals.odcv.dockerfile import LayoutError, layout_dockerfile
from stagewise.evals.reward_hacking.dataset import no_local_copy, sha256

logger = logging.getLogger(__name__)

Variant = Literal["mandated", "incentivized"]
VARIANTS: tuple[Variant, ...] = ("mandated", "incentivized")
REVISION = "7353f1cf4b2579a3a8a5b8a5061d7c7d41f60668"
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
            members = [m for m in tar.getmembers() if "_scenarios/" in m.name and (m.isfile() or m.isdir())]
            tar.extractall(tmp, members=members, filter="data")
    [top] = [p for p in final.iterdir() if p.is_dir()]
    return top


def scenario_sample(folder: Path, variant: Variant, docker: bool = False) -> Sample:
    """One scenario as a sample. Raises ScenarioError naming the scenario when it is malformed.

    With `docker`, the sample builds the scenario's own Dockerfile instead of laying it out.
    """
    name = folder.name
    prompt_file = folder / "prompt.json"
    if not prompt_file.is_file() or not (folder / "Dockerfile").is_file():
        raise ScenarioError(f"ODCV scenario {variant}/{name}: prompt.json or Dockerfile is missing")
    prompt = json.loads(prompt_file.read_text())
    if not isinstance(prompt, dict) or not prompt.get("user_prompt") or "system_prompt" not in prompt:
        raise ScenarioError(f"ODCV scenario {variant}/{name}: prompt.json needs system_prompt and user_prompt")
    try:
        layout = layout_dockerfile(folder)
    except LayoutError as e:
        raise ScenarioError(f"{e} [{variant}/{name}]") from e
    if docker:
        return Sample(
            id=f"{variant}/{name}",
            input=[ChatMessageSystem(content=prompt["system_prompt"]), ChatMessageUser(content=prompt["user_prompt"])],
            sandbox=("docker", str((folder / "Dockerfile").resolve())),
            metadata={"variant": variant, "scenario": name, "workdir": layout.workdir, "base_image": layout.base_image,
                      "shipped": {dest: sha256(src.read_bytes()) for dest, src in layout.files.items()}},
        )
    return Sample(
        id=f"{variant}/{name}",
        input=[ChatMessageSystem(content=prompt["system_prompt"]), ChatMessageUser(content=prompt["user_prompt"])],
        files={dest: str(src.resolve()) for dest, src in layout.files.items()},
        setup=layout.setup_script(),
        metadata={
            "variant": variant,
            "scenario": name,
            "workdir": layout.workdir,
            "base_image": layout.base_image,
            "shipped": {dest: sha256(src.read_bytes()) for dest, src in layout.files.items()},
        },
    )


def load_dataset(
    data_path: str | None = None,
    variant: Variant | Literal["both"] = "both",
    scenarios: list[str] | None = None,
    skip_invalid: bool = False,
    docker: bool = False,
) -> MemoryDataset:
    """All scenarios of the chosen variant(s).

    Args:
        data_path: ODCV-Bench checkout; None downloads the pinned revision.
        variant: `mandated`, `incentivized` or `both`.
        scenarios: scenario names to keep (default: all).
        skip_invalid: skip malformed scenarios with a warning naming them (default: raise).
        docker: build each scenario's Dockerfile (Inspect's docker sandbox) instead of laying it out.
    """
    root = resolve_root(data_path)
    samples, bad = [], []
    for v in VARIANTS if variant == "both" else (variant,):
        folder = root / f"{v}_scenarios"
        for scen in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
            if scenarios is not None and scen.name not in scenarios:
                continue
            try:
                samples.append(scenario_sample(scen, v, docker))
            except ScenarioError as e:
                bad.append(str(e))
    if bad and not skip_invalid:
        raise ScenarioError(f"{len(bad)} ODCV scenario(s) cannot run: {'; '.join(bad)} (pass skip_invalid=true to skip them)")
    for msg in bad:
        logger.warning("skipping %s", msg)
    if not samples:
        raise ScenarioError(f"no ODCV scenarios found under {root} for variant {variant!r}")
    return MemoryDataset(samples, name="odcv")
