"""Dispatch sensor latency: a stage becomes launchable in the app DB -> its run is created and queued.

The sensor part of the stage handoff, without the rest: a real ``dagster-daemon`` on a throwaway PostgreSQL
(app DB and dagster-postgres) whose run queue launches nothing (``max_concurrent_runs: 0``), so no run
worker competes for the CPU and every sample is the same kind of event. One task at a time is queued at a
random moment (``queued_tasks_sensor`` long-polls exactly as ``stage_chain_sensor`` does), and the time from
the Run commit to its script run's creation and to its ``PIPELINE_ENQUEUED`` event is recorded. Each
``--long-poll`` value (``sensor_long_poll_s``) gets its own daemon; values are interleaved per round.

``python -m bench.sensor_latency [--long-poll S ...] [--samples N] [--rounds N]``
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import dagster as dg
import yaml

from bench.common import fmt, table
from media_pipeline.orchestration.tags import TASK_TAG
from media_pipeline.store import Owner, QueueService, upgrade_db
from media_pipeline_tests.orchestration.daemon import make_home, running_daemon, use_postgres, wait_for
from media_pipeline_tests.pgserver import pg_server

OWNER = Owner(user_id="bench", workspace_id="bench")
OPTIONS = {"language": "en", "imageCount": 2, "targetDurationS": 5}
QUEUED = dg.DagsterRunStatus.QUEUED
GAP_S = (10.0, 20.0)
"""Pause before each Run, uniform: longer than the sensor's loop (a stage's run outlasts it too), and spreads
the samples over the phases of the daemon's sensor loop."""


def _hold_runs(dagster_yaml: Path) -> None:
    """Keep every run in the queue: nothing is launched, so only the sensor and the queue use the CPU."""
    config = yaml.safe_load(dagster_yaml.read_text())
    config["run_coordinator"]["config"]["max_concurrent_runs"] = 0
    dagster_yaml.write_text(yaml.safe_dump(config))


def _samples(long_poll: float, count: int) -> dict[str, list[float]]:
    """``count`` tasks queued one by one through a fresh daemon: Run -> run created, Run -> enqueued."""
    found: dict[str, list[float]] = {"created": [], "enqueued": []}
    with tempfile.TemporaryDirectory(prefix="bench-sensor-") as tmp, pg_server() as server:
        home = make_home(Path(tmp), MEDIA_PIPELINE_SENSOR_LONG_POLL_S=str(long_poll))
        use_postgres(home, server.create_database("app"), server.create_database("dagster"))
        _hold_runs(home.dagster_home / "dagster.yaml")
        os.environ["DAGSTER_HOME"] = str(home.dagster_home)
        url = home.env["MEDIA_PIPELINE_APP_DB_URL"]
        upgrade_db(url)
        queue = QueueService(url, OWNER, settings=home.settings())
        with running_daemon(home):
            instance = dg.DagsterInstance.get()
            heartbeats = instance.get_daemon_heartbeats
            wait_for(lambda: "SENSOR" in heartbeats(), timeout=120, what="daemon heartbeat")
            for number in range(count):
                time.sleep(random.uniform(*GAP_S))
                added = queue.add_assets([f"s{number}"], OPTIONS, queue.get_or_create_default_queue().version)
                (task,) = queue.run(added.version).queued
                ran = time.time()
                filters = dg.RunsFilter(tags={TASK_TAG: task.id})
                record = wait_for(
                    lambda f=filters: next(iter(instance.get_run_records(f, limit=1)), None),
                    timeout=60,
                    what="the script run",
                    interval=0.05,
                )
                run_id = record.dagster_run.run_id
                wait_for(
                    lambda r=run_id: instance.get_run_records(dg.RunsFilter(run_ids=[r], statuses=[QUEUED])),
                    timeout=60,
                    what="the run to be queued",
                    interval=0.05,
                )
                events = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_ENQUEUED)
                found["created"].append(record.create_timestamp.timestamp() - ran)
                found["enqueued"].append(events[0].timestamp - ran)
        del os.environ["DAGSTER_HOME"]
    return found


def main(argv: list[str] | None = None) -> None:
    """Parse the options, measure each long-poll value in interleaved rounds, print the table."""
    usage = __doc__.split("\n\n")[-1]
    parser = argparse.ArgumentParser(prog="python -m bench.sensor_latency", description=usage)
    parser.add_argument("--long-poll", type=float, action="append", help="sensor_long_poll_s values (3)")
    parser.add_argument("--samples", type=int, default=12, help="tasks queued per daemon")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    values = args.long_poll or [3.0]
    start = [round(v, 2) for v in os.getloadavg()]
    results: dict[float, dict[str, list[float]]] = {v: {"created": [], "enqueued": []} for v in values}
    for _ in range(args.rounds):
        for value in values:
            for key, samples in _samples(value, args.samples).items():
                results[value][key] += samples
    rows = []
    for value, found in results.items():
        enqueued = sorted(found["enqueued"])
        rows.append(
            [
                fmt(value, 1),
                str(len(enqueued)),
                fmt(statistics.median(found["created"]), 2),
                fmt(statistics.median(enqueued), 2),
                fmt(statistics.mean(enqueued), 2),
                fmt(enqueued[int(0.9 * (len(enqueued) - 1))], 2),
                fmt(enqueued[-1], 2),
            ]
        )
    print(f"load average at start {start}, at the end {[round(v, 2) for v in os.getloadavg()]}")
    headers = ["long poll s", "samples", "created median s", "enqueued median s", "mean", "p90", "max"]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
