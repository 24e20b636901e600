"""Test modules do not import each other: shared helpers live in support modules and conftest files."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def _is_test_module(dotted: str) -> bool:
    """A module of this suite (absolute or relative) named ``test_*``."""
    ours = dotted.startswith((".", f"{TESTS.name}."))
    return ours and dotted.rpartition(".")[2].startswith("test_")


def imported_test_modules(source: str) -> list[str]:
    """The test modules of this suite that ``source`` imports (``import``, ``from ... import``, relative)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _is_test_module(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if _is_test_module(module):
                found.append(module)
            else:  # ``from package import test_module``
                names = [
                    f"{module}.{alias.name}" if node.module else module + alias.name for alias in node.names
                ]
                found += [name for name in names if _is_test_module(name)]
    return found


def test_the_scan_finds_every_form_of_import() -> None:
    source = """
import media_pipeline_tests.api.test_cors
from media_pipeline_tests.store.test_task_service import FakeRunControl
from .test_progress_ws import opening
from dagster._core.test_utils import instance_for_test
from media_pipeline_tests.api import test_server as server
from media_pipeline_tests.store.support import race
"""
    assert imported_test_modules(source) == [
        "media_pipeline_tests.api.test_cors",
        "media_pipeline_tests.store.test_task_service",
        ".test_progress_ws",
        "media_pipeline_tests.api.test_server",
    ]


def test_no_test_module_imports_another() -> None:
    modules = sorted(TESTS.rglob("*.py"))
    assert len(modules) > 50
    importing = {
        str(path.relative_to(TESTS)): found
        for path in modules
        if (found := imported_test_modules(path.read_text(encoding="utf-8")))
    }
    assert importing == {}
