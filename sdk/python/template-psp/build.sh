#!/usr/bin/env bash
# Builds app.py into connector.wasm with componentize-py (the psp-connector world).
#
#   ./build.sh [out.wasm]
#
# BEEP_SDK_PYTHON: the SDK (sdk/python of BEEP! Connect; default: this directory's parent).
# BEEP_WIT_DIR: the contract (default: ../../../wit from here, i.e. the repository's wit/).
# COMPONENTIZE_PY: the componentize-py to use (default: the one on PATH, else the repo's
# target/guest-venv that scripts/build-guests creates).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SDK=${BEEP_SDK_PYTHON:-$(cd "$HERE/.." && pwd)}
WIT=${BEEP_WIT_DIR:-$(cd "$SDK/../../wit" && pwd)}
CPY=${COMPONENTIZE_PY:-$(command -v componentize-py || echo "$SDK/../../target/guest-venv/bin/componentize-py")}
OUT=$(realpath -m "${1:-$HERE/connector.wasm}")

# Built from a copy: componentize-py writes __pycache__ beside the sources it imports.
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
cp -R "$SDK/beep" "$STAGE/beep"
mkdir "$STAGE/app"
cp "$HERE"/*.py "$STAGE/app/"
"$CPY" -d "$WIT" -w beep:connector/psp-connector componentize app -p "$STAGE/app" -p "$STAGE" -o "$OUT"
