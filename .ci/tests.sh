#!/usr/bin/env bash
# The test suite on python3 with every extra, then the core suite on Python 3.10 (the oldest that
# requires-python allows) where one is on this machine; without one, that leg is skipped with a notice.
# The 3.10 leg installs only `test`: the CPU build of PyTorch on these machines is for python3 (3.11),
# so tests of optional integrations skip there, saying which library is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages some tests drive (headless Chromium, a PostgreSQL server), installed when missing.
.ci/system-packages.sh

# The full leg: every optional extra installed, so a test that needs one must not skip (CARBONEST_REQUIRE_EXTRAS).
python3 -m venv .venv-test && .venv-test/bin/pip install -q -e ".[test,test-full]"
CARBONEST_REQUIRE_EXTRAS=1 .venv-test/bin/python -m pytest -q

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
