"""One home per kind of name (README "Vocabulary", docs/ARCHITECTURE.md §1): every status enum of the app is
defined in ``domain/statuses.py`` (but seed 002's wire translation in the API), every read model of the
store in ``store/views.py``. The scan reads the package's source (ast), so a new module is checked too."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

import media_pipeline

PACKAGE = Path(media_pipeline.__file__).parent
STATUSES = PACKAGE / "domain" / "statuses.py"
VIEWS = PACKAGE / "store" / "views.py"
WIRE_STATUSES = {("api/render_contract.py", "RenderJobWireStatus")}
"""Seed 002's uppercase render-job status: a wire format translated from ``TaskStatus``, kept in the API."""
STORE_INPUTS = {"ContentRecord", "MusicFields", "RepeatConfig", "ScheduleInput"}
"""Pydantic models of the store that validate what comes in (a stage's produced file, a music track's fields,
a schedule and its repeat), not read models."""
ENUM_BASES = {"Enum", "StrEnum", "IntEnum", "Flag", "IntFlag"}
MODEL_BASES = {"BaseModel"}

Class = tuple[str, str, list[str]]
"""(module path relative to the package, class name, base names)."""


def _base_name(base: ast.expr) -> str:
    """``Enum`` for ``Enum``, ``enum.Enum`` and ``Generic[Enum]``-like subscripts."""
    if isinstance(base, ast.Subscript):
        base = base.value
    if isinstance(base, ast.Attribute):
        return base.attr
    return base.id if isinstance(base, ast.Name) else ""


def classes(module: str, source: str) -> list[Class]:
    """Every class defined in ``source`` (nested ones too), with the names of its bases."""
    return [
        (module, node.name, [_base_name(base) for base in node.bases])
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ClassDef)
    ]


def subclasses_of(roots: set[str], found: Iterable[Class]) -> list[Class]:
    """The classes of ``found`` that derive from one of ``roots``, directly or through other classes of
    ``found`` (a base is matched by its name)."""
    found = list(found)
    matched: list[Class] = []
    names = set(roots)
    while more := [item for item in found if item not in matched and names & set(item[2])]:
        matched += more
        names |= {name for _, name, _ in more}
    return matched


def misplaced_statuses(found: Iterable[Class], home: str) -> list[tuple[str, str]]:
    """Enums named ``...Status`` defined outside ``home`` (but the wire statuses)."""
    return sorted(
        (module, name)
        for module, name, _ in subclasses_of(ENUM_BASES, found)
        if name.endswith("Status") and module != home and (module, name) not in WIRE_STATUSES
    )


def misplaced_read_models(found: Iterable[Class], home: str) -> list[tuple[str, str]]:
    """Pydantic models of the store defined outside ``home`` (but its validated inputs)."""
    return sorted(
        (module, name)
        for module, name, _ in subclasses_of(MODEL_BASES, found)
        if module.startswith("store/") and module != home and name not in STORE_INPUTS
    )


def package_classes() -> list[Class]:
    """Every class of the package's modules (the migrations are frozen history)."""
    return [
        item
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts
        for item in classes(path.relative_to(PACKAGE).as_posix(), path.read_text(encoding="utf-8"))
    ]


def test_the_scan_finds_status_enums_and_store_models_wherever_they_are() -> None:
    found = [
        *classes("domain/statuses.py", "class TaskStatus(StrEnum): ...\nclass _Base(enum.Enum): ..."),
        *classes("store/credits.py", "class ChargeStatus(_Base): ...\nclass Charge(StrEnum): ..."),
        *classes("api/routes.py", "class WireStatus(str, Enum): ...\nclass HttpStatus: ..."),
        *classes("api/render_contract.py", "class RenderJobWireStatus(StrEnum): ..."),
        *classes("store/views.py", "class _View(BaseModel): ...\nclass TaskView(_View): ..."),
        *classes("store/reviews.py", "class EditView(_View): ...\nclass Regeneration: ..."),
        *classes("store/music.py", "class MusicFields(pydantic.BaseModel): ...\nclass Row(Base): ..."),
        *classes("api/schemas.py", "class Task(TaskView): ..."),
    ]
    assert misplaced_statuses(found, "domain/statuses.py") == [
        ("api/routes.py", "WireStatus"),
        ("store/credits.py", "ChargeStatus"),
    ]
    assert misplaced_read_models(found, "store/views.py") == [("store/reviews.py", "EditView")]


@pytest.mark.parametrize(
    ("misplaced", "roots", "home", "least"),
    [(misplaced_statuses, ENUM_BASES, STATUSES, 10), (misplaced_read_models, MODEL_BASES, VIEWS, 50)],
    ids=["status enums in domain/statuses.py", "store read models in store/views.py"],
)
def test_each_kind_of_class_is_defined_in_its_one_module(
    misplaced: Callable[[list[Class], str], list[tuple[str, str]]], roots: set[str], home: Path, least: int
) -> None:
    found = package_classes()
    module = home.relative_to(PACKAGE).as_posix()
    assert misplaced(found, module) == []
    assert len([name for where, name, _ in subclasses_of(roots, found) if where == module]) >= least


def test_no_two_status_enums_share_a_name_and_each_store_input_exists() -> None:
    found = package_classes()
    statuses = [name for _, name, _ in subclasses_of(ENUM_BASES, found) if name.endswith("Status")]
    assert len(statuses) == len(set(statuses))
    inputs = {name for module, name, _ in subclasses_of(MODEL_BASES, found) if module.startswith("store/")}
    assert inputs >= STORE_INPUTS
