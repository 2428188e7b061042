#!/usr/bin/env bash
# Installs Sportello and every plugin of this repository into ./.venv.
#   scripts/install.sh          the application (for `sportello demo`)
#   scripts/install.sh --test   also the test tools and the browser the tests drive
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=false
[ "${1:-}" = "--test" ] && with_tests=true

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip

targets=(-e ".")
$with_tests && targets=(-e ".[test,server]")
for plugin in plugins/*/; do
  [ -f "$plugin/pyproject.toml" ] && targets+=(-e "$plugin")
done
.venv/bin/python -m pip install --quiet "${targets[@]}"

missing=()
$with_tests && [ ! -x /usr/bin/chromium ] && missing+=(chromium)
$with_tests && ! command -v pdftotext > /dev/null && missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} for the browser and PDF tests..."
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" > /dev/null
fi
echo "Installed in $(pwd)/.venv"
