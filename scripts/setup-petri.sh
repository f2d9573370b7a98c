#!/usr/bin/env bash
# A venv (.venv-petri) for the petri_audit benchmark: the main environment plus inspect-petri.
# Separate because an installed inspect-petri registers itself with Inspect, so every Inspect
# process imports it (and inspect-scout, duckdb...): about 3-6 s more at every start on 2 cores,
# for every benchmark. The venv sees the main environment's packages (--system-site-packages),
# so run `bash scripts/setup.sh` first. Usage: bash scripts/setup-petri.sh   (VENV=path elsewhere)
# inspect-petri 3.1.1 declares Python >= 3.12, but its code runs on 3.11 (the tests in
# tests/evals/test_petri_audit.py run the real audit), hence --ignore-requires-python.
# inspect-scout is pinned: 0.6.2 needs inspect-ai >= 0.3.286, which would replace ours.
# On Python >= 3.12: pip install 'stagewise[petri]' into your own environment instead.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv-petri}
PY=${PYTHON:-python3}
[ -x "$VENV/bin/python" ] || $PY -m venv --system-site-packages "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --ignore-requires-python \
  "inspect-petri==3.1.1" "inspect-scout==0.6.1"
"$VENV/bin/python" -c "import inspect_petri, stagewise; print('inspect_petri', inspect_petri.__version__ if hasattr(inspect_petri, '__version__') else '3.1.1', 'in', '$VENV')"
