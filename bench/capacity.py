"""Capacity model (issue 27): what one video costs per stage, and what 1,000 and 10,000 videos a day need.

``python -m bench.capacity [--quick]`` or ``bench.run_all --only capacity``.

Measured here: one full-size short (Korean, 6 scenes, 1080x1920, local storage, HLS ladder) produced stage by
stage with ``materialize_stage`` in a fresh process: CPU seconds (the process and its children, from
``getrusage``) and peak RSS of the process tree (sampled) per stage; the bytes the task leaves in storage by
kind; and the app DB rows one task adds when it goes through the queue and the five stage events (SQLite
file growth and rows per table). From those, per day: CPU-hours, run workers (2-core machines at 70 %
busy), the video stage's slots, storage and database growth for 1,000 and 10,000 videos.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import BenchOptions, Section, table
from bench.measure import TreeSampler

STAGE_START_S = 3.0
"""Run created → run worker started (orchestration benchmark medians): a stage slot is busy this long too."""
CORES_PER_WORKER, BUSY = 2, 0.7
DAY_S = 86_400
VOLUMES = (1_000, 10_000)
FULL = {"duration": 30.0, "scenes": 6}
QUICK = {"duration": 10.0, "scenes": 2}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def stage_worker(data_dir: Path, duration_s: float, scenes: int) -> dict[str, Any]:
    """In a fresh process: each stage materialized alone, with its CPU, wall and peak tree RSS."""
    import dagster as dg

    from bench.timeline import DESCRIPTION, TITLE, Case
    from media_pipeline.domain import STAGES, TaskSpec, VideoType
    from media_pipeline.orchestration.task_files import prepare_generation
    from media_pipeline.pipeline import materialize_stage
    from media_pipeline.settings import Settings
    from media_pipeline.storage import open_storage

    settings = Settings(data_dir=data_dir, publisher="local")
    case = Case("capacity", VideoType.SHORTFORM, duration_s, scenes=scenes)
    spec = TaskSpec(task_id="bench-capacity", title=TITLE, description=DESCRIPTION, settings=case.settings())
    storage = open_storage(settings)
    prepare_generation(storage, spec)
    instance = dg.DagsterInstance.ephemeral()
    stages = {}
    for stage in STAGES:
        sampler = TreeSampler(os.getpid())
        sampler.start()
        cpu, started = _cpu(), time.perf_counter()
        materialize_stage(spec.task_id, stage, settings=settings, instance=instance)
        wall, used = time.perf_counter() - started, _cpu() - cpu
        stages[stage] = {"cpu_s": used, "wall_s": wall, "peak_rss_mb": sampler.stop().tree_mb}
    return {"stages": stages, "task_dir": str(data_dir), "duration_s": duration_s}


def storage_bytes(root: Path) -> dict[str, int]:
    """Bytes under ``root`` by kind: the video, the HLS ladder, images, audio, the published copy (the local
    publisher's folder), everything else."""
    kinds = {"video (mp4)": 0, "HLS ladder": 0, "images": 0, "audio": 0, "published copy": 0, "other": 0}
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        size, suffix = path.stat().st_size, path.suffix.lower()
        if "published" in path.relative_to(root).parts:
            kinds["published copy"] += size
        elif "hls" in path.parts or suffix in (".m3u8", ".ts", ".m4s"):
            kinds["HLS ladder"] += size
        elif suffix == ".mp4":
            kinds["video (mp4)"] += size
        elif suffix in (".png", ".jpg", ".jpeg", ".webp"):
            kinds["images"] += size
        elif suffix in (".wav", ".mp3", ".m4a", ".aac"):
            kinds["audio"] += size
        else:
            kinds["other"] += size
    return kinds


def db_rows_per_task(work_dir: Path, tasks: int = 50) -> dict[str, Any]:
    """Rows per table and SQLite bytes one task adds: queued through the queue service, then its five
    stages started, reporting progress every 5 % and completed through ``PipelineState``."""
    from sqlalchemy import func, inspect, select
    from sqlalchemy import table as sa_table

    from media_pipeline.domain import STAGES
    from media_pipeline.settings import PlanLimits, Settings
    from media_pipeline.store import Owner, QueueService
    from media_pipeline.store.db import make_engine, upgrade_db
    from media_pipeline.store.pipeline_state import PipelineState

    path = work_dir / "capacity.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade_db(url)  # closing its connection checkpoints the WAL into the file
    size_before = path.stat().st_size
    engine = make_engine(url)

    def counts() -> dict[str, int]:
        with engine.connect() as connection:
            names = inspect(engine).get_table_names()
            return {
                name: connection.execute(select(func.count()).select_from(sa_table(name))).scalar_one()
                for name in names
            }

    try:
        before = counts()
        limits = PlanLimits(drafts_per_queue=tasks, items_per_add=tasks, runs_per_day=tasks)
        settings = Settings(plans={"cap": limits}, default_plan="cap", data_dir=work_dir / "data")
        queue = QueueService(engine, Owner("cap-user", "cap-ws"), settings=settings)
        added = queue.add_assets(
            [f"v{n}" for n in range(tasks)], None, queue.get_or_create_default_queue().version
        )
        state = PipelineState(engine)
        for task in queue.run(added.version).queued:
            for stage in STAGES:
                run_id = f"{task.id}-{stage}"
                state.stage_started(task.id, task.generation, stage, run_id)
                for percent in range(5, 100, 5):
                    state.stage_progress(task.id, task.generation, stage, percent, "working")
                state.stage_completed(task.id, task.generation, stage, run_id)
        after = counts()
    finally:
        engine.dispose()  # the last connection closing checkpoints the WAL
    grown = path.stat().st_size - size_before
    per_table = {
        name: (after[name] - before.get(name, 0)) / tasks
        for name in after
        if after[name] != before.get(name, 0)
    }
    return {"rows_per_table": per_table, "rows": sum(per_table.values()), "sqlite_bytes": grown / tasks}


def project(
    stages: dict[str, dict[str, float]], video_min: float, bytes_per_video: int, db: dict[str, Any]
) -> list[dict[str, Any]]:
    """Per day for each volume: CPU-hours, run workers, video-stage slots, storage and DB growth."""
    cpu_per_video = sum(stage["cpu_s"] for stage in stages.values())
    video_slot_s = stages["video"]["wall_s"] + STAGE_START_S
    rows = []
    for volume in VOLUMES:
        cpu_s = volume * cpu_per_video
        rows.append(
            {
                "videos_per_day": volume,
                "minutes_of_video": volume * video_min,
                "cpu_hours": cpu_s / 3600,
                "run_workers": math.ceil(cpu_s / (DAY_S * CORES_PER_WORKER * BUSY)),
                "video_slots": math.ceil(volume * video_slot_s / (DAY_S * BUSY)),
                "storage_gb": volume * bytes_per_video / 1e9,
                "db_rows": volume * db["rows"],
                "db_mb": volume * db["sqlite_bytes"] / 1e6,
            }
        )
    return rows


def markdown(result: dict[str, Any]) -> str:
    """The capacity tables."""
    minutes = result["duration_s"] / 60
    stage_rows = [
        [
            name,
            f"{values['cpu_s']:.1f}",
            f"{values['cpu_s'] / minutes:.1f}",
            f"{values['wall_s']:.1f}",
            f"{values['peak_rss_mb']:.0f}",
        ]
        for name, values in result["stages"].items()
    ]
    storage_rows = [[kind, f"{size / 1e6:.2f}"] for kind, size in result["storage"].items()]
    storage_rows.append(["**total**", f"{sum(result['storage'].values()) / 1e6:.2f}"])
    db = result["db"]
    db_rows = [[name, f"{count:.2f}"] for name, count in sorted(db["rows_per_table"].items())]
    db_rows.append(["**total** (SQLite bytes per task)", f"{db['rows']:.1f} ({db['sqlite_bytes']:,.0f} B)"])
    projection = [
        [
            f"{row['videos_per_day']:,}",
            f"{row['minutes_of_video']:,.0f}",
            f"{row['cpu_hours']:,.0f}",
            str(row["run_workers"]),
            str(row["video_slots"]),
            f"{row['storage_gb']:,.1f}",
            f"{row['db_rows']:,.0f} / {row['db_mb']:,.0f} MB",
        ]
        for row in result["projection"]
    ]
    return (
        f"One {result['duration_s']:g} s 1080x1920 short, each stage alone in a fresh process (load average "
        f"{result['load']} at the start: wall times on a loaded machine are longer, CPU seconds are not).\n\n"
        + table(["stage", "CPU s", "CPU s per minute of video", "wall s", "peak RSS MB (tree)"], stage_rows)
        + "\n\nStorage one video leaves (local folder; S3 holds the same keys):\n\n"
        + table(["kind", "MB"], storage_rows)
        + "\n\nApp DB rows one task adds (queued, five stages with progress every 5 %):\n\n"
        + table(["table", "rows per task"], db_rows)
        + f"\n\nPer day ({CORES_PER_WORKER}-core run workers at {BUSY:.0%} busy; a stage slot is busy for "
        f"the stage's wall time + {STAGE_START_S:g} s start-up; the video stage is the one that needs "
        "more than one slot):\n\n"
        + table(
            [
                "videos/day",
                "minutes",
                "CPU-hours",
                "run workers",
                "video-stage slots",
                "storage GB",
                "DB rows / size",
            ],
            projection,
        )
    )


def main(results: dict[str, Section], options: BenchOptions) -> None:
    """bench.run_all entry point."""
    shape = QUICK if options.quick else FULL
    work = options.work_dir / "capacity"
    data = work / "data"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out = work / "stages.json"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME" and not k.startswith("MEDIA_PIPELINE_")}
    load = [round(value, 1) for value in os.getloadavg()]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.capacity",
            "--stage-worker",
            str(data),
            str(out),
            "--duration",
            str(shape["duration"]),
            "--scenes",
            str(shape["scenes"]),
        ],
        check=True,
        env=env,
    )
    measured = json.loads(out.read_text(encoding="utf-8"))
    measured["load"] = load
    storage = storage_bytes(data / "storage")
    db = db_rows_per_task(work)
    result = {
        **measured,
        "storage": storage,
        "db": db,
        "projection": project(measured["stages"], shape["duration"] / 60, sum(storage.values()), db),
    }
    results["capacity"] = Section(title="Capacity model", markdown=markdown(result), data=result)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--stage-worker", nargs=2, metavar=("DATA_DIR", "OUT"))
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--scenes", type=int, default=6)
    parsed = parser.parse_args()
    if parsed.stage_worker:
        data_dir, out_file = (Path(value) for value in parsed.stage_worker)
        report = stage_worker(data_dir, parsed.duration, parsed.scenes)
        out_file.write_text(json.dumps(report), encoding="utf-8")
    else:
        found: dict[str, Section] = {}
        main(found, BenchOptions(runs=1, quick=parsed.quick))
        print(found["capacity"].markdown)
