#!/usr/bin/env bash
# The test suite on python3, then on Python 3.10 (the oldest that requires-python allows)
# where one is on this machine; without one, that leg is skipped with a notice.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv-test && .venv-test/bin/pip install -q -e ".[test]" && .venv-test/bin/python -m pytest -q

find_python310() {
    if command -v python3.10 >/dev/null 2>&1 && python3.10 -c "" >/dev/null 2>&1; then
        command -v python3.10
        return
    fi
    if command -v pyenv >/dev/null 2>&1; then  # installed but not selected (a pyenv shim refuses it)
        local found
        found=$(ls -d "$(pyenv root)"/versions/3.10*/bin/python3.10 2>/dev/null | tail -n 1)
        if [ -n "$found" ] && "$found" -c "" >/dev/null 2>&1; then
            echo "$found"
            return
        fi
    fi
}

py310=$(find_python310 || true)
if [ -z "$py310" ]; then
    echo "notice: no Python 3.10 interpreter on this machine; the 3.10 leg is skipped"
    exit 0
fi
echo "Python 3.10 leg: $("$py310" --version 2>&1)"
"$py310" -m venv .venv-test310 && .venv-test310/bin/pip install -q -e ".[test]" && .venv-test310/bin/python -m pytest -q
