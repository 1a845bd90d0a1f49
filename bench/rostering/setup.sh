#!/usr/bin/env bash
# The peer's own environment for bench/rostering_design.py: Python 3.12 (pyworkforce's current
# release needs it) with pyworkforce from PyPI. Never a forcesight dependency.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYWORKFORCE_PYTHON:-/root/.pyenv/versions/3.12.1/bin/python3}"
if [ ! -x "$here/.venv/bin/python" ]; then
  "$python" -m venv "$here/.venv"
fi
"$here/.venv/bin/pip" install --quiet --disable-pip-version-check "pyworkforce==0.5.4"
"$here/.venv/bin/python" -c "import pyworkforce, sys; print('pyworkforce ready on Python', sys.version.split()[0])"
