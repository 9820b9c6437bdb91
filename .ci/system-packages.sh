#!/usr/bin/env bash
# Debian packages the tests drive, installed only when missing: Chromium (reports rendered headless)
# and the PostgreSQL server (the shared store). Needs root or sudo; without either, says so and goes on
# (the tests that need a missing program then fail in the full leg, naming it).
set -euo pipefail
PACKAGES=(chromium postgresql)

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
else
    echo "notice: cannot install ${missing[*]} (not root, no sudo)" >&2
    exit 0
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
