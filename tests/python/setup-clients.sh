#!/usr/bin/env bash
# Installs Lightly's two official Python clients, each in its own venv under DIR,
# without torch (recipe: docs/wire-contract.md). Idempotent; safe to run concurrently.
#   DIR/lightly-1.5.26: today's generation (ApiWorkflowClient, generated OpenAPI client),
#                       with pytest and pytest-xdist for tests/python/suite
#   DIR/lightly-1.2.30: the 2022 generation (its generated Swagger client), with pytest
#                       and pytest-xdist too
# The collab-serve wheel goes into both with setup-package.sh (as .ci/setup does).
set -euo pipefail
dir="${1:?usage: setup-clients.sh DIR}"
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "setup-clients: $python is not installed; Lightly's clients need Python 3.8 or newer with venv and pip" >&2
  exit 1
fi

make_venv() { # NAME PACKAGES...
  local venv="$dir/$1"; shift
  [ -f "$venv/.ready" ] && return 0
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
}

make_venv lightly-1.5.26 --no-deps lightly==1.5.26
[ -f "$dir/lightly-1.5.26/.ready" ] || {
  "$dir/lightly-1.5.26/bin/python" -m pip install --quiet --disable-pip-version-check \
    "pydantic<2" "urllib3<2" python-dateutil requests aenum six certifi tqdm numpy pillow
  "$dir/lightly-1.5.26/bin/python" -c 'from lightly.api import ApiWorkflowClient'
  touch "$dir/lightly-1.5.26/.ready"
}

# pytest and pytest-xdist for the suite in tests/python/suite (docs/testing.md).
[ -f "$dir/lightly-1.5.26/.pytest-ready" ] || {
  "$dir/lightly-1.5.26/bin/python" -m pip install --quiet --disable-pip-version-check \
    "pytest>=7,<9" "pytest-xdist>=3,<4"
  touch "$dir/lightly-1.5.26/.pytest-ready"
}

make_venv lightly-1.2.30 --no-deps lightly==1.2.30
[ -f "$dir/lightly-1.2.30/.ready" ] || {
  "$dir/lightly-1.2.30/bin/python" -m pip install --quiet --disable-pip-version-check \
    six urllib3==1.26.20 certifi python-dateutil
  touch "$dir/lightly-1.2.30/.ready"
}
[ -f "$dir/lightly-1.2.30/.pytest-ready" ] || {
  "$dir/lightly-1.2.30/bin/python" -m pip install --quiet --disable-pip-version-check \
    "pytest>=7,<9" "pytest-xdist>=3,<4"
  touch "$dir/lightly-1.2.30/.pytest-ready"
}
echo "setup-clients: ready in $dir"
