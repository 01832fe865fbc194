"""Every value the repository holds that could have served as a secret: each string literal of
its Python files, and each value of its configuration files and documents, of 8 characters or
more without spaces."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEXT = {".yaml", ".yml", ".env", ".toml", ".md", ".sh", ".cfg", ".ini", ".txt", ".json", ".j2"}
SKIPPED = ("uv.lock", "docs/api/", "docs/screenshots/", "web/package-lock.json")
# In configuration and documents: `KEY=value`, `key: value`, quoted strings, `--flag=value`.
VALUE = re.compile(r"""[=:]\s*["']?([^\s"'`,;{}()\[\]]{8,})|["'`]([^\s"'`]{8,})["'`]""")


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"],  # noqa: S607 (git from the PATH, as every developer runs it)
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [REPO / name for name in listed if not name.startswith(SKIPPED)]


def python_literals(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def repository_values() -> set[str]:
    found: set[str] = set()
    for path in tracked_files():
        if path.suffix == ".py":
            found |= python_literals(path.read_text(encoding="utf-8", errors="replace"))
        elif path.suffix in TEXT or path.name in ("Makefile", "run", "Dockerfile"):
            text = path.read_text(encoding="utf-8", errors="replace")
            found |= {a or b for a, b in VALUE.findall(text)}
    return {
        value for value in found if 8 <= len(value) <= 200 and not any(c.isspace() for c in value)
    }


@pytest.fixture(scope="session")
def values() -> list[str]:
    found = sorted(repository_values())
    # The scan sees what a reader of the code sees.
    assert "dev-only-internal-secret-change-me-0123456789" in found
    assert "tremplin-development-issuer" in found
    return found
