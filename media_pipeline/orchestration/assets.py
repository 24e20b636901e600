"""The five partitioned assets of a task: script -> images -> video -> thumbnail -> youtube_video.

Assets are thin: they load the task, call the media core or a provider, and record metadata and status.
"""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from media_pipeline.domain import Script, Stage
from media_pipeline.fsutil import write_bytes_atomic, write_json_atomic
from media_pipeline.orchestration.metadata import (
    ffprobe_metadata,
    file_metadata,
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
from media_pipeline.orchestration.stage_run import stage_run

GROUP = "video_production"
VIDEO_CHECK = "video_spec"
LOUDNESS_CHECK = "video_loudness"
THUMBNAIL_CHECK = "thumbnail_spec"


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
        run.add_content("script", str(run.paths.story_json))
        run.progress(100, "script written")
    return dg.MaterializeResult(
        metadata={
            **file_metadata(run.paths.story_json),
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
    """One image per scene (scene_XX.png), from the task's mediaMode source."""
    with stage_run(context, storage, app_db, Stage.IMAGES) as run:
        story = _load_script(run.paths.story_json)
        source = image_source.source(run.spec.settings.media_mode)
        produced = source.produce(run.spec, story, run.paths)
        for path in produced:
            run.add_content("image", str(path))
        run.progress(100, f"{len(produced)} images")
    return dg.MaterializeResult(
        metadata={
            "count": len(produced),
            "source": source.name,
            "styles": ", ".join(scene.style.value for scene in story.scenes),
            "folder": dg.MetadataValue.path(str(run.paths.dir)),
            "preview": image_preview(produced[0]),
        }
    )


@dg.asset(
    partitions_def=task_partitions,
    group_name=GROUP,
    deps=[images],
    kinds={"mp4"},
    check_specs=[
        dg.AssetCheckSpec(VIDEO_CHECK, asset="video", description="ffprobe spec of output.mp4"),
        dg.AssetCheckSpec(
            LOUDNESS_CHECK,
            asset="video",
            blocking=True,
            description="EBU R128 (ebur128): -14 ± 1 LUFS integrated, true peak <= -1 dBTP",
        ),
    ],
)
def video(
    context: dg.AssetExecutionContext,
    storage: StorageResource,
    app_db: AppDbResource,
    narrator: NarratorResource,
) -> Iterator[dg.MaterializeResult]:
    """The narrated, subtitled H.264/AAC video output.mp4 (Ken Burns scenes + burned subtitles)."""
    from media_pipeline.orchestration.video_stage import produce_video

    with stage_run(context, storage, app_db, Stage.VIDEO) as run:
        produced = produce_video(run, narrator, storage.font())
        yield dg.MaterializeResult(
            metadata={
                **video_metadata(produced.path, produced.render, produced.summary),
                **narration_metadata(produced.narration, produced.target_s),
                **loudness_metadata(produced.loudness),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=VIDEO_CHECK,
                    passed=not produced.problems,
                    metadata={
                        "problems": "; ".join(produced.problems) or "none",
                        **ffprobe_metadata(produced.summary),
                    },
                ),
                dg.AssetCheckResult(
                    check_name=LOUDNESS_CHECK,
                    passed=not produced.loudness_problems,
                    severity=dg.AssetCheckSeverity.ERROR,
                    metadata={
                        "problems": "; ".join(produced.loudness_problems) or "none",
                        **loudness_metadata(produced.loudness),
                    },
                ),
            ],
        )
        produced.raise_if_invalid()
        run.add_content("video", str(run.paths.output_mp4), metadata=produced.summary.as_dict())
        run.add_content("subtitles", str(run.paths.subtitles_srt))


@dg.asset(
    partitions_def=task_partitions,
    group_name=GROUP,
    deps=[video],
    kinds={"jpeg"},
    check_specs=[
        dg.AssetCheckSpec(THUMBNAIL_CHECK, asset="thumbnail", description="JPEG size and dimensions")
    ],
)
def thumbnail(
    context: dg.AssetExecutionContext, storage: StorageResource, app_db: AppDbResource
) -> dg.MaterializeResult:
    """The JPEG thumbnail (1280x720 or 720x1280, at most 2 MB) from the first scene image and the title."""
    from media_pipeline.media.probe import check_thumbnail
    from media_pipeline.media.thumbnail import make_thumbnail

    with stage_run(context, storage, app_db, Stage.THUMBNAIL) as run:
        out = make_thumbnail(
            run.paths.scene_image(0),
            run.spec.title,
            run.paths.thumbnail_jpg,
            vertical=run.spec.settings.vertical,
            font=storage.font(),
        )
        size, problems = check_thumbnail(out, vertical=run.spec.settings.vertical)
        run.add_content("thumbnail", str(out))
        run.progress(100, "thumbnail written")
    return dg.MaterializeResult(
        metadata={**file_metadata(out), "dimensions": f"{size[0]}x{size[1]}", "preview": image_preview(out)},
        check_results=[
            dg.AssetCheckResult(
                check_name=THUMBNAIL_CHECK,
                passed=not problems,
                metadata={"problems": "; ".join(problems) or "none"},
            )
        ],
    )


@dg.asset(partitions_def=task_partitions, group_name=GROUP, deps=[thumbnail], kinds={"youtube"})
def youtube_video(
    context: dg.AssetExecutionContext,
    storage: StorageResource,
    app_db: AppDbResource,
    publisher: PublisherResource,
) -> dg.MaterializeResult:
    """The published video: uploaded to YouTube, or copied to the local published/ folder."""
    from media_pipeline.providers.base import PublishInput

    with stage_run(context, storage, app_db, Stage.YOUTUBE_VIDEO) as run:
        channel = run.spec.settings.channel_setting_id
        if channel is not None:
            run.state.check_channel(run.spec.task_id, channel)
        target = publisher.publisher(channel)
        files = PublishInput(
            video=run.paths.output_mp4,
            thumbnail=run.paths.thumbnail_jpg,
            subtitles=run.paths.subtitles_srt,
            story=run.paths.story_json,
        )
        result = target.publish(run.spec, _load_script(run.paths.story_json), files, run.paths)
        write_json_atomic(run.paths.publish_json, result.model_dump(mode="json"))
        run.add_content(
            "publish", str(run.paths.publish_json), url=result.url, metadata=result.model_dump(mode="json")
        )
        run.progress(100, result.detail)
    return dg.MaterializeResult(
        metadata={
            "url": dg.MetadataValue.url(result.url),
            "target": result.target,
            "uploaded_to_youtube": result.uploaded_to_youtube,
            "video_id": result.video_id or "",
            "detail": result.detail,
            "published_at": result.published_at.isoformat(),
        }
    )


ASSETS = [script, images, video, thumbnail, youtube_video]
