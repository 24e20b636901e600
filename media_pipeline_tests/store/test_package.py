"""The store package resolves its public names lazily, each from the module that defines it."""

import ast
import importlib
from pathlib import Path

import pytest

import media_pipeline.store as store


@pytest.mark.parametrize("name", store.__all__)
def test_public_names_resolve_to_their_definitions(name: str) -> None:
    value = getattr(store, name)
    module = importlib.import_module(store._SOURCES[name])
    assert value is getattr(module, name)
    assert name in dir(store)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        store.no_such_name  # noqa: B018


def test_type_checkers_see_the_same_names_from_the_same_modules() -> None:
    tree = ast.parse(Path(store.__file__).read_text())
    guarded = next(
        node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    seen = {
        (alias.name, node.module)
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname == alias.name
    }
    assert seen == set(store._SOURCES.items())
