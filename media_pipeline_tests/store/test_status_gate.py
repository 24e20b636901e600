"""One gate for status changes (docs/ARCHITECTURE.md §4): no module of the store but ``store/moves.py``
writes a task or stage status, whether to an ORM object, in a Core ``UPDATE``/``INSERT`` or as a row."""

from __future__ import annotations

import ast
from pathlib import Path

import media_pipeline.store as store

STORE = Path(store.__file__).parent
GATE = STORE / "moves.py"
OTHER_STATUSES = frozenset(
    {
        "ConnectionStatus",
        "EditStatus",
        "ImageJobStatus",
        "ImageStatus",
        "PublicationStatus",
        "ReviewStatus",
        "UserContentStatus",
    }
)
"""Status enums of other things (publish connections, storyboard edits, image jobs, images, publications,
reviews, user contents), which the gate does not cover."""
GATED = frozenset({"TaskStatus", "StageStatus"})


def _names(node: ast.AST) -> set[str]:
    return {child.id for child in ast.walk(node) if isinstance(child, ast.Name)}


def _targets(node: ast.AST) -> list[tuple[ast.expr, ast.expr | None]]:
    """(target, value) pairs of an assignment, tuple targets paired with tuple values."""
    if isinstance(node, ast.Assign):
        pairs: list[tuple[ast.expr, ast.expr | None]] = []
        for target in node.targets:
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                pairs += zip(target.elts, node.value.elts, strict=False)
            else:
                pairs.append((target, node.value))
        return pairs
    if isinstance(node, ast.AnnAssign | ast.AugAssign):
        return [(node.target, node.value)]
    return []


def _is_status_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Attribute):
        return target.attr == "status"
    return isinstance(target, ast.Subscript) and ast.unparse(target.slice) in ("'status'", '"status"')


def status_writes(source: str) -> list[int]:
    """Line numbers of the task/stage status writes in ``source``: an assignment to ``.status`` or
    ``[...]["status"]`` (unless its value is another thing's status), a ``status=`` keyword or a
    ``"status"`` dict key with a task or stage status value."""
    found = []
    for node in ast.walk(ast.parse(source)):
        for target, value in _targets(node):
            if _is_status_target(target) and not (value is not None and _names(value) & OTHER_STATUSES):
                found.append(node.lineno)
        if isinstance(node, ast.keyword) and node.arg == "status" and _names(node.value) & GATED:
            found.append(node.value.lineno)
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "status" and _names(value) & GATED:
                    found.append(key.lineno)
    return sorted(found)


def test_the_scan_finds_every_kind_of_status_write() -> None:
    source = """
task.status = TaskStatus.QUEUED
state.status, state.error = StageStatus.WAITING, None
inspect(task).dict["status"] = status
session.execute(update(TaskStageState).values(status=StageStatus.CANCELED))
row = {"status": TaskStatus.DRAFT, "title": title}
image.status = ImageStatus.CANCELED
view = TaskView(status=status)
"""
    assert status_writes(source) == [2, 3, 4, 5, 6]


def test_only_the_gate_writes_task_and_stage_statuses() -> None:
    modules = [path for path in STORE.rglob("*.py") if "migrations" not in path.parts and path != GATE]
    assert len(modules) > 20
    outside = {
        str(path.relative_to(STORE)): lines
        for path in modules
        if (lines := status_writes(path.read_text(encoding="utf-8")))
    }
    assert outside == {}
    assert status_writes(GATE.read_text(encoding="utf-8"))  # the gate itself is seen by the scan
