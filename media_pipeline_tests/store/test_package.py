"""The store package resolves its public names lazily, each from the module that defines it."""

import importlib

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
