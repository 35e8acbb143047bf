#!/usr/bin/env bash
# Puts the shared validator suite (run_all.sh and its checkers), the shared .ics fixtures and this
# project's read-back helpers in the validators' install folder, so that tests find them wherever the
# repository is cloned.
# usage: scripts/ical/setup.sh PATH/TO/shared/tools/ical-validators
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=$(cd "$1" && pwd)
home=${ICAL_VALIDATORS_HOME:-$HOME/.cache/ical-validators}
mkdir -p "$home/suite"
cp "$suite"/run_all.sh "$suite"/*.py "$suite"/*.mjs "$suite"/*.cjs "$home/suite/"
cp "$here/readback.py" "$home/suite/"
# The real files from other software (../shared/fixtures/ical), for the import tests.
fixtures="$suite/../../fixtures/ical"
if [ -d "$fixtures" ]; then mkdir -p "$home/fixtures" && cp "$fixtures"/*.ics "$home/fixtures/"; fi
cp "$here/readback.mjs" "$home/node/"
cc -O1 -o "$home/libical_readback" "$here/readback.c" $(pkg-config --cflags --libs libical)
