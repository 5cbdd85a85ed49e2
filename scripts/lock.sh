#!/usr/bin/env bash
# Updates the lock (requirements/lock.txt and build.txt) from pyproject.toml and build.in.
# uv comes pinned and hash-checked from requirements/uv.txt, in a folder of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .tools/bin/uv ]; then
    "$python" -m venv --clear .tools
    .tools/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements/uv.txt
fi
compile=(.tools/bin/uv pip compile --quiet --universal --generate-hashes --python-version 3.10)
"${compile[@]}" pyproject.toml requirements/build.in --extra dev --extra neural -o requirements/lock.txt
"${compile[@]}" requirements/build.in -c requirements/lock.txt -o requirements/build.txt
echo pip | "${compile[@]}" - -o requirements/pip.txt
echo "requirements/pip.txt, lock.txt and build.txt updated; commit them with the change."
