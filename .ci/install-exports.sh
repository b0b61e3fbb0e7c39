#!/usr/bin/env bash
# The real clients of the download tests (tests/system/test_exports_clients.py), from Debian and npm:
# BibTeX 0.99 and biber with biblatex under pdflatex, LibreOffice Calc (headless, no GUI),
# Java and the Nu HTML checker (npm package vnu-jar). Idempotent: installs only what is missing.
set -euo pipefail
missing=()
command -v bibtex >/dev/null 2>&1 || missing+=(texlive-binaries)
command -v pdflatex >/dev/null 2>&1 || missing+=(texlive-latex-base)
kpsewhich etoolbox.sty >/dev/null 2>&1 || missing+=(texlive-latex-recommended)  # biblatex needs it
kpsewhich biblatex.sty >/dev/null 2>&1 || missing+=(texlive-bibtex-extra)
command -v biber >/dev/null 2>&1 || missing+=(biber)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "install-exports: missing ${missing[*]}: install them as root (apt-get)" >&2
    fi
fi
if command -v npm >/dev/null 2>&1 && [ ! -f "$(npm root -g)/vnu-jar/build/dist/vnu.jar" ]; then
    npm install -g --no-audit --no-fund --ignore-scripts vnu-jar >/dev/null
fi
