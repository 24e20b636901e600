"""Upload storage (untrusted names, types and sizes; clips checked by ffprobe and decoding) and the upload
image source (images and clips)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from media_pipeline.domain import SceneMedia, TaskPaths
from media_pipeline.errors import PermanentError
from media_pipeline.providers.uploads import (
    UploadImageSource,
    UploadRejectedError,
    list_uploads,
    safe_stem,
    store_media,
    store_upload,
)
from media_pipeline_tests.media import bad_clips
from media_pipeline_tests.media.clips import make_clip
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

    images = UploadImageSource(10).produce(task, make_script(task), paths)

    colours = []
    for image in images:
        with Image.open(image) as img:
            assert img.size == (180, 320)
            colours.append(img.convert("RGB").getpixel((90, 160)))
    assert colours[0][0] > 200 and colours[1][1] > 200 and colours[2][0] > 200


def test_upload_source_without_uploads_fails_clearly(paths: TaskPaths) -> None:
    task = make_task(mediaMode="upload")
    with pytest.raises(PermanentError, match="upload mode needs at least one uploaded image or clip"):
        UploadImageSource(10).produce(task, make_script(task), paths)


def test_upload_source_shows_uploaded_clips_unless_the_scene_asks_for_a_still(
    paths: TaskPaths, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "c.mp4", width=320, height=180, seconds=1.0).read_bytes()
    store_upload(paths, "red.png", image_bytes("PNG", (300, 300), "red"), max_bytes=LIMIT)
    for name in ("one.mp4", "two.mp4"):
        store_media(paths.uploads_dir, name, clip, max_bytes=LIMIT, clip_max_s=10)
    assert [u.mime for u in list_uploads(paths)] == ["image/png", "video/mp4", "video/mp4"]
    task = make_task(mediaMode="upload")
    script = make_script(task)
    still = script.scenes[2].model_copy(update={"media": SceneMedia.STILL})
    script = script.model_copy(update={"scenes": [*script.scenes[:2], still]})

    images = UploadImageSource(10).produce(task, script, paths)

    assert [paths.scene_clip(i).is_file() for i in range(3)] == [False, True, False]
    assert paths.scene_clip(1).read_bytes() == clip
    for image in images:  # the clips' first frames, cover-fitted, are the scene images
        with Image.open(image) as img:
            assert img.size == (180, 320)


def test_upload_source_gives_a_broken_clip_scene_its_still(paths: TaskPaths, tmp_path: Path) -> None:
    paths.uploads_dir.mkdir(parents=True)
    bad_clips.garbled(paths.uploads_dir / "broken.mp4", tmp_path)  # stored before the checks existed
    task = make_task(mediaMode="upload")
    images = UploadImageSource(10).produce(task, make_script(task), paths)
    assert all(image.is_file() for image in images)
    assert not any(paths.scene_clip(i).exists() for i in range(3))
