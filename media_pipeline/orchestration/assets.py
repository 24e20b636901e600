"""The partitioned assets of a task: script -> images -> video (+ playback) -> thumbnail -> youtube_video.

Assets are thin: they load the task, fetch the inputs they need into the run's workspace, call the media
core or a provider, publish their outputs to the task storage, and record metadata and status. Metadata
is built inside the stage (on object storage the workspace is deleted when the stage ends).
"""

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg

from media_pipeline.domain import MediaMode, Script, Stage
from media_pipeline.fsutil import write_bytes_atomic, write_json_atomic
from media_pipeline.orchestration.metadata import (
    ffprobe_metadata,
    image_preview,
    loudness_metadata,
    narration_metadata,
    video_metadata,
)
from media_pipeline.orchestration.partitions import task_partitions
from media_pipeline.orchestration.resources import (
    AppDbResource,
    ImageSourceResource,
    NarratorResource,
    PublisherResource,
    ScriptWriterResource,
    StorageResource,
)
from media_pipeline.orchestration.stage_run import StageRun, stage_run

if TYPE_CHECKING:
    from media_pipeline.providers.base import PublishInput, PublishResult

GROUP = "video_production"
VIDEO_CHECK = "video_spec"
LOUDNESS_CHECK = "video_loudness"
THUMBNAIL_CHECK = "thumbnail_spec"
CAPTIONS_CHECK = "video_captions"
CLIPS_CHECK = "video_clip_scenes"


def _load_script(path: Path) -> Script:
    return Script.model_validate_json(path.read_bytes())


@dg.asset(partitions_def=task_partitions, group_name=GROUP, kinds={"json"})
def script(
    context: dg.AssetExecutionContext,
    storage: StorageResource,
    app_db: AppDbResource,
    script_writer: ScriptWriterResource,
) -> dg.MaterializeResult:
    """The script document story.json (scenes with narration, captions and image prompts)."""
    with stage_run(context, storage, app_db, Stage.SCRIPT) as run:
        writer = script_writer.writer()
        story = writer.write(run.spec)
        write_bytes_atomic(run.paths.story_json, story.model_dump_json(indent=2).encode())
        run.work.publish([run.paths.story_json])
        run.add_content("script", run.paths.story_json)
        run.progress(100, "script written")
        metadata = run.file_metadata(run.paths.story_json)
    return dg.MaterializeResult(
        metadata={
            **metadata,
            "writer": writer.name,
            "language": story.language.value,
            "scenes": len(story.scenes),
            "title": story.title,
            "narration_preview": dg.MetadataValue.md("\n\n".join(s.narration for s in story.scenes[:3])),
        }
    )


@dg.asset(partitions_def=task_partitions, group_name=GROUP, deps=[script], kinds={"png"})
def images(
    context: dg.AssetExecutionContext,
    storage: StorageResource,
    app_db: AppDbResource,
    image_source: ImageSourceResource,
) -> dg.MaterializeResult:
    """One image per scene (scene_XX.png), from the task's mediaMode source; a paid source makes them
    one persisted record at a time (orchestration/paid_images.py)."""
    from media_pipeline.orchestration.paid_images import produce_paid_images
    from media_pipeline.providers.ai_images import GeneratedImageSource
    from media_pipeline.store.credits import Pricing

    with stage_run(context, storage, app_db, Stage.IMAGES) as run:
        run.work.fetch(run.paths.story_json)
        story = _load_script(run.paths.story_json)
        if run.spec.settings.media_mode is MediaMode.UPLOAD:
            run.work.fetch_folder(run.paths.uploads_dir)
        source = image_source.source(run.spec.settings.media_mode)
        pricing = Pricing.from_settings(storage.config.settings)
        if run.state is not None and isinstance(source, GeneratedImageSource):
            # Images made by an earlier (killed) attempt are in the store: bring them into this workspace.
            made = (source.outputs(run.paths.scene_image(scene.index)) for scene in story.scenes)
            run.work.fetch_optional(*(path for outputs in made for path in outputs))

            def keep(path: Path) -> str:
                run.work.publish([path])
                return run.work.key(path)

            produced = produce_paid_images(
                app_db.image_work(),
                source,
                run.spec,
                story,
                run.paths,
                pricing=pricing,
                keep=keep,
                report=run.progress,
            )
        else:
            produced = source.produce(run.spec, story, run.paths)
            _publish_clips(run, story)
        outputs = source.outputs if isinstance(source, GeneratedImageSource) else lambda path: [path]
        run.work.publish([made for path in produced for made in outputs(path)])
        for path in produced:
            run.add_content("image", path)
        run.progress(100, f"{len(produced)} images")
        metadata = {
            "count": dg.MetadataValue.int(len(produced)),
            "source": dg.MetadataValue.text(source.name),
            "styles": dg.MetadataValue.text(", ".join(scene.style.value for scene in story.scenes)),
            "folder": dg.MetadataValue.text(run.location(run.paths.dir)),
            "preview": image_preview(produced[0]),
        }
    return dg.MaterializeResult(metadata=metadata)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "video",
            deps=[images],
            group_name=GROUP,
            kinds={"mp4"},
            description="The narrated, subtitled H.264/AAC video output.mp4 (Ken Burns scenes + burned "
            "subtitles).",
        ),
        dg.AssetSpec(
            "playback",
            deps=["video"],
            group_name=GROUP,
            kinds={"hls"},
            description="The video's analysis (analysis.json: streams, bitrate, loudness) and its VOD HLS "
            "ladder (hls/master.m3u8, renditions fitting the orientation, ~6 s segments).",
        ),
    ],
    partitions_def=task_partitions,
    check_specs=[
        dg.AssetCheckSpec(VIDEO_CHECK, asset="video", description="ffprobe spec of output.mp4"),
        dg.AssetCheckSpec(
            LOUDNESS_CHECK,
            asset="video",
            blocking=True,
            description="EBU R128 (ebur128): -14 ± 1 LUFS integrated, true peak <= -1 dBTP",
        ),
        dg.AssetCheckSpec(
            CAPTIONS_CHECK,
            asset="video",
            description="burned-in captions drawn alone (ffmpeg subtitles + bbox) stay within the caption "
            "preset's safe area (shorts: clear of the bottom 22 % and the right-hand buttons)",
        ),
        dg.AssetCheckSpec(
            CLIPS_CHECK,
            asset="video",
            description="clip scenes decodable: every scene clip passes ffprobe and decodes (video stream, "
            "more than 0 s, at most 4K); a scene whose clip does not shows its still instead",
        ),
    ],
)
def video(
    context: dg.AssetExecutionContext,
    storage: StorageResource,
    app_db: AppDbResource,
    narrator: NarratorResource,
) -> Iterator[dg.MaterializeResult]:
    """The video stage: render output.mp4 and check it, then analyse it and transcode its HLS ladder.

    ``playback`` is materialized by the video stage's run (after ``video``), so it shares that stage's
    queue slot, retries and stop, and the task keeps the five stages of the queue.
    """
    from media_pipeline.orchestration.video_stage import produce_playback, produce_video

    with stage_run(context, storage, app_db, Stage.VIDEO) as run:
        produced = produce_video(run, narrator, storage.font(), storage.config.settings.clip_max_s)
        if not produced.problems and not produced.loudness_problems:
            run.work.publish(produced.outputs)
        location = run.location(produced.path)
        yield dg.MaterializeResult(
            asset_key="video",
            metadata={
                **video_metadata(produced.path, location, produced.render, produced.summary),
                **narration_metadata(produced.narration, produced.target_s),
                **loudness_metadata(produced.loudness),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=VIDEO_CHECK,
                    asset_key="video",
                    passed=not produced.problems,
                    metadata={
                        "problems": "; ".join(produced.problems) or "none",
                        **ffprobe_metadata(produced.summary),
                    },
                ),
                dg.AssetCheckResult(
                    check_name=LOUDNESS_CHECK,
                    asset_key="video",
                    passed=not produced.loudness_problems,
                    severity=dg.AssetCheckSeverity.ERROR,
                    metadata={
                        "problems": "; ".join(produced.loudness_problems) or "none",
                        **loudness_metadata(produced.loudness),
                    },
                ),
                dg.AssetCheckResult(
                    check_name=CAPTIONS_CHECK,
                    asset_key="video",
                    passed=not produced.caption_problems,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={"problems": "; ".join(produced.caption_problems) or "none"},
                ),
                dg.AssetCheckResult(
                    check_name=CLIPS_CHECK,
                    asset_key="video",
                    passed=not produced.clip_problems,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={"problems": "; ".join(produced.clip_problems) or "none"},
                ),
            ],
        )
        produced.raise_if_invalid()
        run.add_content("video", run.paths.output_mp4, metadata=produced.summary.as_dict())
        run.add_content("subtitles", run.paths.subtitles_srt)
        playback = produce_playback(run, produced)
        yield dg.MaterializeResult(asset_key="playback", metadata=playback.metadata())


@dg.asset(
    partitions_def=task_partitions,
    group_name=GROUP,
    deps=["video"],
    kinds={"jpeg"},
    check_specs=[
        dg.AssetCheckSpec(THUMBNAIL_CHECK, asset="thumbnail", description="JPEG size and dimensions")
    ],
)
def thumbnail(
    context: dg.AssetExecutionContext, storage: StorageResource, app_db: AppDbResource
) -> dg.MaterializeResult:
    """The JPEG thumbnail (1280x720 or 720x1280, at most 2 MB) from the first scene image and the title;
    when no scene image fits (missing or unreadable), from a frame cut from the video."""
    from media_pipeline.media.probe import check_thumbnail
    from media_pipeline.media.thumbnail import make_thumbnail
    from media_pipeline.orchestration.brand_inputs import brand_inputs

    with stage_run(context, storage, app_db, Stage.THUMBNAIL) as run, tempfile.TemporaryDirectory() as tmp:
        source = _thumbnail_source(run, Path(tmp))
        brand = brand_inputs(
            run, storage.font(), clips=False
        )  # the channel's font and layout (ARCHITECTURE §9)
        out = make_thumbnail(
            source,
            run.spec.title,
            run.paths.thumbnail_jpg,
            vertical=run.spec.settings.vertical,
            font=brand.font,
            layout=brand.thumbnail_layout,
        )
        size, problems = check_thumbnail(out, vertical=run.spec.settings.vertical)
        run.work.publish([out])
        run.add_content("thumbnail", out)
        run.progress(100, "thumbnail written")
        metadata = {
            **run.file_metadata(out),
            "dimensions": f"{size[0]}x{size[1]}",
            "source": "scene image" if source == run.paths.scene_image(0) else "video frame",
            "preview": image_preview(out),
        }
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[
            dg.AssetCheckResult(
                check_name=THUMBNAIL_CHECK,
                passed=not problems,
                metadata={"problems": "; ".join(problems) or "none"},
            )
        ],
    )


def _publish_clips(run: StageRun, story: Script) -> None:
    """Publish the scene clips an unpaid source made (stock, uploaded clips) and ``media_credits.json``;
    those it did not make this time are deleted from the store, so a rerun never shows an earlier clip
    (docs/ARCHITECTURE.md §8, "Clips as scene media")."""
    files = [*(run.paths.scene_clip(scene.index) for scene in story.scenes), run.paths.media_credits_json]
    run.work.publish([path for path in files if path.is_file()])
    run.work.storage.delete([run.work.key(path) for path in files if not path.is_file()])


def _credit_lines(run: StageRun) -> list[str]:
    """The credit lines the task's stock clips ask for in the video description (none without clips)."""
    from media_pipeline.domain.media_credits import MediaCredits

    (credits,) = run.work.fetch_optional(run.paths.media_credits_json) or (None,)
    if credits is None:
        return []
    return MediaCredits.model_validate_json(credits.read_bytes()).description_lines()


def _thumbnail_source(run: StageRun, tmp: Path) -> Path:
    """The first scene image if it exists and opens; else a frame cut from the video at a third of it
    (written under ``tmp``)."""
    from PIL import Image, UnidentifiedImageError

    from media_pipeline.media.frames import extract_frame
    from media_pipeline.media.probe import media_duration

    (scene,) = run.work.fetch_optional(run.paths.scene_image(0)) or (None,)
    if scene is not None:
        try:
            with Image.open(scene) as image:
                image.verify()
            return scene
        except (OSError, UnidentifiedImageError):
            run.context.log.warning(f"{scene.name} is not a readable image; cutting a frame from the video")
    run.work.fetch(run.paths.output_mp4)
    return extract_frame(run.paths.output_mp4, tmp / "frame.png", media_duration(run.paths.output_mp4) / 3)


@dg.asset(partitions_def=task_partitions, group_name=GROUP, deps=[thumbnail], kinds={"youtube"})
def youtube_video(
    context: dg.AssetExecutionContext,
    storage: StorageResource,
    app_db: AppDbResource,
    publisher: PublisherResource,
) -> dg.MaterializeResult:
    """The published video: uploaded to YouTube (and TikTok, Instagram Reels as the channel setting lists),
    or copied to the storage's published/ folder."""
    from media_pipeline.providers.base import PublishInput
    from media_pipeline.providers.youtube_record import RECORD_NAME

    with stage_run(context, storage, app_db, Stage.YOUTUBE_VIDEO) as run:
        channel = run.spec.settings.channel_setting_id
        if run.state is not None:  # the task's channel, checked, or its workspace's default
            channel = run.state.publish_channel(run.spec.task_id, channel)
        files = PublishInput(
            video=run.paths.output_mp4,
            thumbnail=run.paths.thumbnail_jpg,
            subtitles=run.paths.subtitles_srt,
            story=run.paths.story_json,
            credits=_credit_lines(run),
        )
        run.work.fetch(files.story, files.subtitles, files.thumbnail, files.video)
        # The resumable-upload record of an earlier attempt (possibly on another worker).
        record = run.paths.dir / RECORD_NAME
        run.work.fetch_optional(record)
        script = _load_script(run.paths.story_json)
        try:
            if run.state is None:  # no task row (no publication records): the primary target alone
                result = publisher.publisher(channel).publish(run.spec, script, files, run.paths)
                detail = result.detail
            else:
                result, detail = _publish_targets(run, storage, publisher, channel, script, files)
        finally:
            run.work.publish([p for p in (record,) if p.exists()])
        write_json_atomic(run.paths.publish_json, result.model_dump(mode="json"))
        run.work.publish([run.paths.publish_json])
        run.add_content(
            "publish", run.paths.publish_json, url=result.url, metadata=result.model_dump(mode="json")
        )
        run.progress(100, detail)
    return dg.MaterializeResult(
        metadata={
            "url": dg.MetadataValue.url(result.url),
            "target": result.target,
            "uploaded_to_youtube": result.uploaded_to_youtube,
            "video_id": result.video_id or "",
            "detail": detail,
            "published_at": result.published_at.isoformat(),
        }
    )


def _publish_targets(
    run: StageRun,
    storage: StorageResource,
    publisher: PublisherResource,
    channel: str | None,
    script: Script,
    files: "PublishInput",
) -> "tuple[PublishResult, str]":
    """Every target of the channel setting, each with its publication record (docs/ARCHITECTURE.md §10);
    raises the stage's error (primary failed, transient, deferred) once every target had its turn."""
    from media_pipeline.errors import PermanentError
    from media_pipeline.usecases_publish import PublishRequest

    request = PublishRequest(run.spec, script, files, run.paths, run.work.key(files.video), channel)
    report = publisher.publishing(storage.storage()).run(request)
    run.context.log.info(f"publications: {report.summary}")
    if report.error is not None:
        raise report.error
    if report.result is None:
        raise PermanentError(f"no publication succeeded: {report.summary}")
    return report.result, report.summary


STAGE_ASSETS: dict[Stage, dg.AssetsDefinition] = {
    Stage.SCRIPT: script,
    Stage.IMAGES: images,
    Stage.VIDEO: video,
    Stage.THUMBNAIL: thumbnail,
    Stage.YOUTUBE_VIDEO: youtube_video,
}
"""The assets each queue stage materializes (the video stage materializes ``video`` and ``playback``)."""

ASSETS = list(STAGE_ASSETS.values())
