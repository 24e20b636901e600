"""Made images are handed out through the task storage (docs/ARCHITECTURE.md §7): a local file on the
local folder, a presigned object URL on S3 (moto server), like render-job assets; older generations' images
are found in ``history/<gen>/``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from media_pipeline.domain import TaskPaths
from media_pipeline.settings import Settings
from media_pipeline.storage import open_storage
from media_pipeline.store import NotFoundError, Owner, PipelineState, QueueService
from media_pipeline.store.credits import CreditAdmin, Pricing
from media_pipeline.store.image_jobs import ImageJobService, ImageWork
from media_pipeline_tests.store.support import finish_stages, queue_tasks

PAID = {"mediaMode": "dalle3", "imageCount": 2, "styles": ["ocean"]}
PNG = b"\x89PNG\r\n\x1a\n made image"
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture(params=["local", "s3"])
def file_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    storage = {}
    if request.param == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        storage = {"storage_url": f"s3://{bucket}/media", "storage_root": tmp_path / "unused-root"}
    return Settings(
        data_dir=tmp_path, images_base_url="http://127.0.0.1:9/v1", credit_prices={"dalle3": 1}, **storage
    )


def test_a_made_image_is_served_from_the_task_storage(
    db_engine: Engine, owner: Owner, file_settings: Settings
) -> None:
    CreditAdmin(db_engine).grant(owner.workspace_id, 10, "test", granted_by="ops")
    (task,) = queue_tasks(QueueService(db_engine, owner, settings=file_settings), 1, PAID)
    finish_stages(PipelineState(db_engine), task.id, ["script"])
    work = ImageWork(db_engine)
    work.prepare(
        task.id,
        1,
        [("ocean", "subject", "a"), ("ocean", "subject", "b")],
        Pricing.from_settings(file_settings),
    )
    image = work.claim_next(task.id, 1)
    assert image is not None
    key = TaskPaths(Path(), task.id).scene_image(image.index).as_posix()
    storage = open_storage(file_settings)
    storage.write_bytes(key, PNG)
    assert work.complete(task.id, 1, image.index, key)

    images = ImageJobService(db_engine, owner, settings=file_settings)
    found = images.image_file(task.id, f"{task.id}-g1", image.index)
    if file_settings.storage_url is None:
        assert found.url is None and found.path is not None and found.path.read_bytes() == PNG
    else:  # no local file: a presigned URL of the private bucket
        assert found.path is None and found.url is not None
        assert httpx.get(found.url).content == PNG
        assert httpx.get(found.url.split("?")[0]).status_code == 403
    assert found.media_type == "image/png"

    storage.move(key, (TaskPaths(Path(), task.id).history_dir(1) / Path(key).name).as_posix())
    assert images.image_file(task.id, f"{task.id}-g1", image.index).name == Path(key).name
    with pytest.raises(NotFoundError):
        images.image_file(task.id, f"{task.id}-g1", 1)  # not made yet
