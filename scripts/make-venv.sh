#!/usr/bin/env bash
# Makes a virtual environment from the lock: scripts/make-venv.sh PYTHON FOLDER
# Only exact, hash-checked versions from requirements/*.txt are installed; nothing is built
# in an isolated environment (which would fetch unpinned build tools), and pip itself is
# the one the Python came with.
set -euo pipefail
python=$1
venv=$2
cd "$(dirname "$0")/.."
"$python" -m venv --clear "$venv"
pip=("$venv/bin/python" -m pip install -qq --disable-pip-version-check --require-hashes)
"${pip[@]}" -r requirements/build.txt
"${pip[@]}" --no-build-isolation -r requirements/lock.txt
"$venv/bin/python" -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
