#!/usr/bin/env bash
# citeproc-js: node and npm (Debian) when missing, then the npm package `citeproc` pinned in
# package-lock.json (the app runs it in process; tests/system/test_citeproc_reference.py runs it under node).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    fi
fi
if [ ! -f node_modules/citeproc/citeproc_commonjs.js ]; then
    npm ci --no-audit --no-fund --silent
fi
