"""app.citations knows no HTTP: nothing of FastAPI, Starlette or the web layer is imported by it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "app" / "citations"
FORBIDDEN = ("fastapi", "starlette", "app.web", "jinja2", "httpx", "uvicorn")


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_no_module_of_the_package_imports_the_web_layer():
    for path in PACKAGE.glob("*.py"):
        bad = {m for m in _imports(path) if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)}
        assert not bad, (path.name, bad)


def test_importing_the_package_loads_no_web_module():
    code = (
        "import sys, app.citations, app.citations.store, app.citations.metadata, app.citations.bibtex, "
        "app.citations.ris; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('fastapi', 'starlette', 'jinja2') or m.startswith('app.web')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
