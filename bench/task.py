"""One task produced end to end in this process with ``produce_task`` on an ephemeral Dagster instance."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bench.timeline import DESCRIPTION, TITLE, Case

TASK_ID = "bench-memory"


def produce_one(data_dir: Path, duration_s: float, scenes: int, **settings: Any) -> dict[str, Any]:
    """Produce a full-size shortform task (Korean, local images, local publisher) under ``data_dir``
    (``settings`` override further fields, e.g. ``storage_url``).

    Returns the output's duration and size and the wall time of each Dagster step (stage).
    """
    import dagster as dg

    from media_pipeline.domain import TaskSpec, VideoType
    from media_pipeline.pipeline import produce_task
    from media_pipeline.settings import Settings

    assert "DAGSTER_HOME" not in os.environ, "the memory benchmark runs on an ephemeral instance"
    config = Settings(data_dir=data_dir, publisher="local", **settings)
    case = Case("memory", VideoType.SHORTFORM, duration_s, scenes=scenes)
    spec = TaskSpec(task_id=TASK_ID, title=TITLE, description=DESCRIPTION, settings=case.settings())
    instance = dg.DagsterInstance.ephemeral()
    published = produce_task(spec, settings=config, instance=instance)
    (run,) = instance.get_runs()
    steps = {
        stat.step_key: stat.end_time - stat.start_time
        for stat in instance.get_run_step_stats(run.run_id)
        if stat.start_time is not None and stat.end_time is not None
    }
    width, height = case.settings().resolution
    return {
        "video": str(published.video),
        "duration_s": published.duration_s,
        "resolution": f"{width}x{height}",
        "stages_s": steps,
    }
