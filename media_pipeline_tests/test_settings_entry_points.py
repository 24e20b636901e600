"""Settings are read from the environment at the entry points only and passed down from there (issue 23
item 4, docs/ARCHITECTURE.md §1 "Settings"): a scan of the package's and the tests' syntax trees."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import media_pipeline

PACKAGE = Path(media_pipeline.__file__).parent
TESTS = Path(__file__).parent
ENTRY_POINTS = {
    "cli.py",
    "cli_backup.py",
    "cli_queue.py",
    "api/__main__.py",
    "api/server.py",
    "definitions.py",
    "orchestration/resources.py",
    "pipeline.py",
    "store/migrations/env.py",
}
"""Modules that may read ``get_settings()``: the CLI commands, ``python -m media_pipeline.api`` and the app
factory of each API worker process (``server.worker_app``), the Dagster
code location and its resources, the Python API and Alembic's environment."""
CACHE_CLEARED_IN = {"conftest.py"}
"""Test modules that may clear the settings cache: the ``entry_point_env`` fixture, for tests of an entry
point's own reading of the environment."""


def _references(root: Path, name: str) -> Iterator[tuple[str, int]]:
    """(module path relative to ``root``, line) of every import of, name or attribute ``name``."""
    for path in sorted(root.rglob("*.py")):
        module = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            imported = isinstance(node, ast.ImportFrom) and any(alias.name == name for alias in node.names)
            named = isinstance(node, ast.Name) and node.id == name
            attribute = isinstance(node, ast.Attribute) and node.attr == name
            if imported or named or attribute:
                yield module, node.lineno


def test_get_settings_is_read_only_at_the_entry_points() -> None:
    found = list(_references(PACKAGE, "get_settings"))
    outside = [f"media_pipeline/{module}:{line}" for module, line in found if module not in ENTRY_POINTS]
    assert outside == [], (
        "get_settings() outside the entry points; take the settings (or the values needed) as an argument "
        f"from the caller instead: {', '.join(outside)}"
    )
    readers = {module for module, _line in found}
    assert readers >= ENTRY_POINTS, (
        f"no longer reads get_settings(), drop it: {sorted(ENTRY_POINTS - readers)}"
    )


def test_tests_build_settings_instead_of_clearing_the_cache() -> None:
    found = list(_references(TESTS, "cache_clear"))
    outside = [
        f"media_pipeline_tests/{module}:{line}" for module, line in found if module not in CACHE_CLEARED_IN
    ]
    assert outside == [], (
        "get_settings.cache_clear() in a test: pass a Settings object to the code under test, or use the "
        f"entry_point_env fixture for an entry point: {', '.join(outside)}"
    )
