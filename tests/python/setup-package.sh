#!/usr/bin/env bash
# Builds the collab-serve wheel (python/: the `collab` binary and the package
# collab_serve) and installs it into the clients' venvs that setup-clients.sh made
# under DIR, so that tests/python/suite runs through the plugin as a user's suite does.
#   DIR/maturin: a venv with maturin from PyPI (the build tool only)
#   DIR/wheels:  the wheel, built with cargo's dev profile into this repository's
#                target/, so that it reuses what `cargo build` and `cargo test` compile
#                (a release wheel: `maturin build --release`, see docs/python.md)
# Idempotent; safe to run concurrently (one lock per DIR).
set -euo pipefail
dir="${1:?usage: setup-package.sh DIR}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
exec 9>"$dir/.package-lock"
flock 9

python="${PYTHON:-python3}"
maturin_version="1.16.0"
if [ ! -x "$dir/maturin/bin/maturin" ] || ! "$dir/maturin/bin/maturin" --version | grep -q " $maturin_version\$"; then
  rm -rf "$dir/maturin"
  "$python" -m venv "$dir/maturin"
  "$dir/maturin/bin/pip" install --quiet --disable-pip-version-check "maturin==$maturin_version"
fi

rm -rf "$dir/wheels"
start=$(date +%s)
(cd "$root/python" && "$dir/maturin/bin/maturin" build --quiet --profile dev --out "$dir/wheels")
wheel="$(ls "$dir"/wheels/collab_serve-*.whl)"
echo "setup-package: built $(basename "$wheel") in $(( $(date +%s) - start )) s"

for venv in "$dir"/lightly-*; do
  [ -x "$venv/bin/python" ] || continue
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "$wheel"
  "$venv/bin/collab" --version >/dev/null
done
echo "setup-package: collab-serve installed in $(cd "$dir" && echo lightly-*)"
