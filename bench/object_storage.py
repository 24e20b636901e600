"""Object storage and HLS: what S3-compatible storage adds per task, and what the HLS ladder costs.

* Per task: the same 30 s 1080x1920 Korean short produced with ``produce_task`` on the local folder and on
  S3 (moto's server on loopback, the test tooling's); stage wall times compared. The video stage of both
  includes analysis + HLS. Alone, the pure transfer of the task's files (every key uploaded once, every
  stage's inputs downloaded) is timed against the same server.
* HLS: the ladder of that video (1080p/720p/480p, 6 s segments) as one ffmpeg process (``var_stream_map``,
  what the pipeline runs) vs one ffmpeg process per rendition, one after the other.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import BenchOptions, Section, fmt, fmt_range, median, table
from bench.task import TASK_ID, produce_one

FULL = {"duration": 30.0, "scenes": 6}
QUICK = {"duration": 10.0, "scenes": 2}
STAGES = ("script", "images", "video", "thumbnail", "youtube_video")


def _transfer_s(storage_url: str) -> float:
    """Upload every file of the produced task, then download what each stage fetches, through S3Storage."""
    from media_pipeline.settings import Settings
    from media_pipeline.storage import open_storage

    storage = open_storage(Settings(storage_url=storage_url))
    keys = storage.list_keys(f"tasks/{TASK_ID}")
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp)
        for key in keys:
            storage.download(key, local / key)
        started = time.monotonic()
        for key in keys:
            storage.upload(local / key, key)
        inputs = [k for k in keys if k.endswith(("story.json", ".png", "output.mp4", "subtitles.srt"))]
        for key in inputs:
            storage.download(key, local / "again" / key)
        return time.monotonic() - started


def _hls(video: Path, work: Path) -> dict[str, float]:
    from media_pipeline.media.hls import _command, plan_ladder, transcode_hls
    from media_pipeline.media.probe import summarize
    from media_pipeline.media.process import run_process

    summary = summarize(video)
    started = time.monotonic()
    transcode_hls(video, summary, work / "one-process")
    one = time.monotonic() - started
    started = time.monotonic()
    for rendition in plan_ladder(summary.width, summary.height):
        out = work / "per-rendition" / rendition.name
        (out / rendition.name).mkdir(parents=True)
        cmd = _command(video, out, [rendition], summary.fps, summary.audio_codec is not None)
        run_process(cmd, timeout=1800)
    return {"one_process_s": one, "per_rendition_s": time.monotonic() - started}


def main(results: dict[str, Section], options: BenchOptions) -> None:
    """Measure and store the ``object_storage`` section."""
    from media_pipeline_tests.s3server import s3_server

    shape = QUICK if options.quick else FULL
    root = options.work_dir / "object_storage"
    shutil.rmtree(root, ignore_errors=True)
    runs: dict[str, list[dict[str, Any]]] = {"local": [], "s3": []}
    transfers: list[float] = []
    hls: list[dict[str, float]] = []
    with s3_server() as server:
        saved = dict(os.environ)
        os.environ.update(server.env())
        try:
            for run in range(options.runs):
                bucket = server.create_bucket()
                for backend in ("local", "s3"):
                    data_dir = root / f"run{run}-{backend}"
                    extra = {"storage_url": f"s3://{bucket}/bench"} if backend == "s3" else {}
                    started = time.monotonic()
                    record = produce_one(data_dir, shape["duration"], shape["scenes"], **extra)
                    record["wall_s"] = time.monotonic() - started
                    runs[backend].append(record)
                transfers.append(_transfer_s(f"s3://{bucket}/bench"))
                video = root / f"run{run}-local" / "storage" / "tasks" / TASK_ID / "output.mp4"
                hls.append(_hls(video, root / f"run{run}-hls"))
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def stage(backend: str, name: str) -> list[float | None]:
        return [r["stages_s"].get(name) for r in runs[backend]]

    rows = [[name, fmt_range(stage("local", name), 2), fmt_range(stage("s3", name), 2)] for name in STAGES]
    walls = {b: [r["wall_s"] for r in runs[b]] for b in runs}
    rows.append(["**task wall**", fmt_range(walls["local"], 2), fmt_range(walls["s3"], 2)])
    extra = (median(walls["s3"]) or 0) - (median(walls["local"]) or 0)
    hls_one = [h["one_process_s"] for h in hls]
    hls_each = [h["per_rendition_s"] for h in hls]
    markdown = "\n\n".join(
        [
            f"{shape['duration']:.0f} s 1080x1920 Korean short, {options.runs} run(s); seconds, "
            "median [min–max].",
            table(["stage", "local folder", "S3 (moto, loopback)"], rows),
            f"Extra wall time per task on object storage: {fmt(extra, 2)} s (task wall difference); "
            f"pure transfer of the task's files (all uploads + stage inputs): {fmt_range(transfers, 2)} s.",
            table(
                ["HLS ladder (1080p/720p/480p, 6 s segments)", "seconds"],
                [
                    ["one ffmpeg process, var_stream_map (pipeline)", fmt_range(hls_one, 2)],
                    ["one ffmpeg per rendition, sequential", fmt_range(hls_each, 2)],
                ],
            ),
        ]
    )
    results["object_storage"] = Section(
        title="Object storage and HLS",
        markdown=markdown,
        data={"runs": runs, "transfer_s": transfers, "hls": hls, "extra_s": extra},
    )
