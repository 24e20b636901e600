"""Atomic writes and safe path joining."""

from pathlib import Path

import pytest

from media_pipeline.fsutil import FILE_MODE, atomic_path, safe_child, write_json_atomic


def test_atomic_write_renames_into_place_readable(tmp_path: Path) -> None:
    target = write_json_atomic(tmp_path / "a" / "story.json", {"title": "가을"})
    assert target.read_text(encoding="utf-8").count("가을") == 1
    assert target.stat().st_mode & 0o777 == FILE_MODE
    assert [p.name for p in target.parent.iterdir()] == ["story.json"]


def test_failed_write_leaves_neither_temp_nor_final(tmp_path: Path) -> None:
    final = tmp_path / "output.mp4"
    with pytest.raises(RuntimeError), atomic_path(final) as tmp:
        tmp.write_bytes(b"half")
        assert tmp.suffix == ".mp4" and tmp.parent == tmp_path
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "..", "", "a/../../b"])
def test_safe_child_refuses_escapes(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        safe_child(tmp_path, name)


def test_safe_child_allows_nested(tmp_path: Path) -> None:
    assert safe_child(tmp_path, "uploads/x.png") == tmp_path.resolve() / "uploads" / "x.png"
