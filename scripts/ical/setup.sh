#!/usr/bin/env bash
# Puts the shared validator suite (run_all.sh and its checkers) and this project's read-back helpers in
# the validators' install folder, so that tests find them wherever the repository is cloned.
# usage: scripts/ical/setup.sh PATH/TO/shared/tools/ical-validators
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=$(cd "$1" && pwd)
home=${ICAL_VALIDATORS_HOME:-$HOME/.cache/ical-validators}
mkdir -p "$home/suite"
cp "$suite"/run_all.sh "$suite"/*.py "$suite"/*.mjs "$suite"/*.cjs "$home/suite/"
cp "$here/readback.py" "$home/suite/"
cp "$here/readback.mjs" "$home/node/"
cc -O1 -o "$home/libical_readback" "$here/readback.c" $(pkg-config --cflags --libs libical)
