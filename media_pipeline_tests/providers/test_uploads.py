"""Upload storage (untrusted names, types and sizes) and the upload image source."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from media_pipeline.domain import TaskPaths
from media_pipeline.errors import PermanentError
from media_pipeline.providers.uploads import (
    UploadImageSource,
    UploadRejectedError,
    list_uploads,
    safe_stem,
    store_upload,
)
from media_pipeline_tests.providers.helpers import image_bytes, make_script, make_task

LIMIT = 50_000


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_traversal_name_is_sanitised_and_stays_inside(paths: TaskPaths, tmp_path: Path) -> None:
    stored = store_upload(paths, "../../etc/passwd", image_bytes("JPEG"), max_bytes=LIMIT)

    assert stored.path.parent == paths.uploads_dir.resolve()
    assert stored.name.startswith("passwd-") and stored.name.endswith(".jpg")
    assert stored.mime == "image/jpeg" and stored.size == stored.path.stat().st_size
    assert all_files(tmp_path) == [stored.path]


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("..\\..\\win.ini", "win"),
        (".hidden.png", "hidden"),
        ("..", "image"),
        ("", "image"),
        ("사진 1.JPG", "1"),
        ("a b;rm -rf.png", "a_b_rm_-rf"),
        ("x" * 300 + ".png", "x" * 60),
    ],
)
def test_safe_stem(name: str, stem: str) -> None:
    assert safe_stem(name) == stem


def test_extension_is_not_trusted(paths: TaskPaths) -> None:
    stored = store_upload(paths, "photo.jpg", image_bytes("PNG"), max_bytes=LIMIT)
    assert stored.mime == "image/png" and stored.name.endswith(".png")


@pytest.mark.parametrize(
    "data",
    [b"just some text, not an image at all", b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10],
    ids=["text", "fake-magic"],
)
def test_wrong_type_is_refused_and_leaves_nothing(paths: TaskPaths, tmp_path: Path, data: bytes) -> None:
    with pytest.raises(UploadRejectedError):
        store_upload(paths, "evil.png", data, max_bytes=LIMIT)
    assert all_files(tmp_path) == []


def test_oversize_stream_is_refused_without_partial_file(paths: TaskPaths, tmp_path: Path) -> None:
    big = io.BytesIO(image_bytes("PNG") + b"\0" * (LIMIT * 3))
    with pytest.raises(UploadRejectedError, match="larger than the limit"):
        store_upload(paths, "big.png", big, max_bytes=LIMIT)
    assert all_files(tmp_path) == []


def test_upload_source_cycles_uploads_in_order(paths: TaskPaths) -> None:
    first = store_upload(paths, "red.png", image_bytes("PNG", (300, 300), "red"), max_bytes=LIMIT)
    second = store_upload(paths, "green.webp", image_bytes("WEBP", (300, 300), "lime"), max_bytes=LIMIT)
    assert [u.name for u in list_uploads(paths)] == [first.name, second.name]
    task = make_task(mediaMode="upload")

    images = UploadImageSource().produce(task, make_script(task), paths)

    colours = []
    for image in images:
        with Image.open(image) as img:
            assert img.size == (180, 320)
            colours.append(img.convert("RGB").getpixel((90, 160)))
    assert colours[0][0] > 200 and colours[1][1] > 200 and colours[2][0] > 200


def test_upload_source_without_uploads_fails_clearly(paths: TaskPaths) -> None:
    task = make_task(mediaMode="upload")
    with pytest.raises(PermanentError, match="upload mode needs at least one uploaded image"):
        UploadImageSource().produce(task, make_script(task), paths)
