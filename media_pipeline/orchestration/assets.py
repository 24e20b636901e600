"""The five partitioned assets of a task: script -> images -> video -> thumbnail -> youtube_video.

Assets are thin: they load the task, call the media core or a provider, and record metadata and status.
"""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from media_pipeline.domain import Script, Stage
from media_pipeline.fsutil import write_bytes_atomic, write_json_atomic
from media_pipeline.orchestration.metadata import file_metadata, image_preview
from media_pipeline.orchestration.partitions import task_partitions
from media_pipeline.orchestration.resources import PipelineResource
from media_pipeline.orchestration.stage_run import stage_run

GROUP = "video_production"
VIDEO_CHECK = "video_spec"
THUMBNAIL_CHECK = "thumbnail_spec"


def _load_script(path: Path) -> Script:
    return Script.model_validate_json(path.read_bytes())


@dg.asset(partitions_def=task_partitions, group_name=GROUP, kinds={"json"})
def script(context: dg.AssetExecutionContext, pipeline: PipelineResource) -> dg.MaterializeResult:
    """The script document story.json (scenes with narration, captions and image prompts)."""
    with stage_run(context, pipeline, Stage.SCRIPT) as run:
        writer = pipeline.script_writer()
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
def images(context: dg.AssetExecutionContext, pipeline: PipelineResource) -> dg.MaterializeResult:
    """One image per scene (scene_XX.png), from the task's mediaMode source."""
    with stage_run(context, pipeline, Stage.IMAGES) as run:
        story = _load_script(run.paths.story_json)
        source = pipeline.image_source(run.spec.settings.media_mode)
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
    check_specs=[dg.AssetCheckSpec(VIDEO_CHECK, asset="video", description="ffprobe spec of output.mp4")],
)
def video(context: dg.AssetExecutionContext, pipeline: PipelineResource) -> Iterator[dg.MaterializeResult]:
    """The narrated, subtitled H.264/AAC video output.mp4 (Ken Burns scenes + burned subtitles)."""
    from media_pipeline.orchestration.video_stage import produce_video

    with stage_run(context, pipeline, Stage.VIDEO) as run:
        produced = produce_video(run, pipeline.font())
        yield dg.MaterializeResult(
            metadata=produced.metadata(),
            check_results=[
                dg.AssetCheckResult(
                    check_name=VIDEO_CHECK,
                    passed=not produced.problems,
                    metadata={"problems": "; ".join(produced.problems) or "none", **produced.summary_md()},
                )
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
def thumbnail(context: dg.AssetExecutionContext, pipeline: PipelineResource) -> dg.MaterializeResult:
    """The JPEG thumbnail (1280x720 or 720x1280, at most 2 MB) from the first scene image and the title."""
    from PIL import Image

    from media_pipeline.media.thumbnail import MAX_BYTES, make_thumbnail

    with stage_run(context, pipeline, Stage.THUMBNAIL) as run:
        out = make_thumbnail(
            run.paths.scene_image(0),
            run.spec.title,
            run.paths.thumbnail_jpg,
            vertical=run.spec.settings.vertical,
            font=pipeline.font(),
        )
        with Image.open(out) as image:
            size, fmt = image.size, image.format
        expected = (720, 1280) if run.spec.settings.vertical else (1280, 720)
        problems = [
            *([f"size {size} != {expected}"] if size != expected else []),
            *([f"format {fmt} is not JPEG"] if fmt != "JPEG" else []),
            *([f"{out.stat().st_size} bytes > 2 MB"] if out.stat().st_size > MAX_BYTES else []),
        ]
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
def youtube_video(context: dg.AssetExecutionContext, pipeline: PipelineResource) -> dg.MaterializeResult:
    """The published video: uploaded to YouTube, or copied to the local published/ folder."""
    from media_pipeline.providers.base import PublishInput

    with stage_run(context, pipeline, Stage.YOUTUBE_VIDEO) as run:
        publisher = pipeline.publisher()
        files = PublishInput(
            video=run.paths.output_mp4,
            thumbnail=run.paths.thumbnail_jpg,
            subtitles=run.paths.subtitles_srt,
            story=run.paths.story_json,
        )
        result = publisher.publish(run.spec, _load_script(run.paths.story_json), files, run.paths)
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
