"""The paid images stage with mediaMode sora2 against a loopback fake of the Videos API: each paid clip is
kept in the store next to its still (so the video stage, maybe on another worker, finds it) and costs its
price once."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from media_pipeline.domain import TaskPaths
from media_pipeline.orchestration.paid_images import produce_paid_images
from media_pipeline.providers.ai_images import SoraImageSource
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, PipelineState
from media_pipeline.store.credits import CreditAdmin, Pricing
from media_pipeline.store.image_jobs import ImageWork
from media_pipeline.usecases import UseCases
from media_pipeline_tests.orchestration.paid_support import INSTANT, story_of
from media_pipeline_tests.providers.fake_videos import VideosFake, make_clip
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.store.ledger_support import assert_balanced_ledger
from media_pipeline_tests.store.support import finish_stages

SORA = {"mediaMode": "sora2", "imageCount": 3, "renderHeight": 320, "language": "en"}


def test_each_paid_clip_is_kept_with_its_still_and_paid_once(
    db_url: str, owner: Owner, tmp_path: Path
) -> None:
    fake = VideosFake(make_clip(tmp_path / "clip.mp4").read_bytes())
    with FakeServer(fake) as server:
        settings = Settings(
            data_dir=tmp_path / "var",
            sora_base_url=f"{server.base_url}/v1",
            sora_api_key=SecretStr("sk"),
            credit_prices={"sora2": 4},
        )
        CreditAdmin(db_url).grant(owner.workspace_id, 12, "three clips")
        usecases = UseCases(db_url, owner, settings=settings)
        (draft,) = usecases.queues.add_assets(["clip"], SORA, usecases.queues.list_drafts().version).tasks
        usecases.run_drafts(usecases.queues.list_drafts().version, [draft.id])
        state = PipelineState(db_url)
        finish_stages(state, draft.id, ["script"])
        spec = state.task_spec(draft.id)
        root = settings.resolved_storage_root
        kept: list[str] = []

        def keep(path: Path) -> str:
            kept.append(path.relative_to(root).as_posix())
            return kept[-1]

        paths = TaskPaths(root, draft.id)
        source = SoraImageSource(settings, backoff=INSTANT, sleep=lambda _s: None)
        produce_paid_images(
            ImageWork(db_url),
            source,
            spec,
            story_of(spec),
            paths,
            pricing=Pricing.from_settings(settings),
            keep=keep,
            report=lambda _percent, _message: None,
        )
    folder = f"tasks/{draft.id}"
    assert kept == [f"{folder}/scene_{i:02d}.{ext}" for i in range(3) for ext in ("png", "mp4")]
    assert all(paths.scene_clip(i).read_bytes() == fake.clip for i in range(3))
    job = ImageWork(db_url).status(draft.id, 1)
    assert [image.output_key for image in job.tasks] == [f"{folder}/scene_{i:02d}.png" for i in range(3)]
    assert (len(fake.created), job.credits_consumed, job.credits_reserved) == (3, 12, 0)
    assert usecases.credits.balance().balance == 0
    assert_balanced_ledger(db_url, owner.workspace_id)
