"""Queue, task and schedule subcommands of ``media-pipeline`` (thin wrappers over the store services and
the use cases shared with the API)."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from media_pipeline.settings import get_settings

if TYPE_CHECKING:
    from media_pipeline.store import (
        AddResult,
        DeleteResult,
        LogView,
        Owner,
        QueueChange,
        QueueService,
        RerunResult,
        RunControl,
        RunResult,
        ScheduleView,
        StageTabs,
        StopResult,
        TaskProgress,
        TaskService,
        TaskView,
    )
    from media_pipeline.usecases import UseCases

Handler = Callable[[argparse.Namespace], object]


def _owner(args: argparse.Namespace) -> Owner:
    from media_pipeline.store import Owner

    return Owner(user_id=args.user, workspace_id=args.workspace)


def _url() -> str:
    """The app DB URL, migrated to the latest schema once per process (migrations apply on start)."""
    from media_pipeline.store import ensure_migrated

    url = get_settings().resolved_app_db_url
    ensure_migrated(url)
    return url


def _queue(args: argparse.Namespace) -> QueueService:
    from media_pipeline.store import QueueService

    return QueueService(_url(), _owner(args), settings=get_settings())


def _tasks(args: argparse.Namespace) -> TaskService:
    from media_pipeline.store import TaskService

    return TaskService(_url(), _owner(args), settings=get_settings())


def _usecases(args: argparse.Namespace, run_control: RunControl | None = None) -> UseCases:
    from media_pipeline.usecases import UseCases

    return UseCases(_url(), _owner(args), settings=get_settings(), run_control=lambda: run_control)


def _version(args: argparse.Namespace, service: QueueService) -> int:
    """The version given with --queue-version, else the queue's current one."""
    return (
        args.queue_version
        if args.queue_version is not None
        else service.get_or_create_default_queue().version
    )


def _options(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    value = json.loads(text)
    if not isinstance(value, dict):
        raise SystemExit("--options must be a JSON object")
    return value


def _add(args: argparse.Namespace) -> AddResult:
    """Add drafts; library ids take their item's fields and images, like the API."""
    from media_pipeline.storage import open_storage
    from media_pipeline.store import LibraryService
    from media_pipeline.usecases_library import LibraryCommands

    service = _queue(args)
    library = LibraryCommands(LibraryService(_url(), _owner(args)), service, open_storage(get_settings()))
    return library.add_to_queue(args.asset_ids, _options(args.options), _version(args, service))


def _list(args: argparse.Namespace) -> QueueChange | list[TaskView]:
    return (
        _queue(args).list_drafts()
        if args.status == "draft"
        else _tasks(args).list_tasks(statuses=[args.status])
    )


def _patch(args: argparse.Namespace) -> QueueChange:
    service = _queue(args)
    return service.bulk_patch(
        args.ids, _options(args.options) or {}, _version(args, service), args.save_default
    )


def _reorder(args: argparse.Namespace) -> QueueChange:
    service = _queue(args)
    return service.reorder(args.ids, _version(args, service))


def _delete(args: argparse.Namespace) -> DeleteResult:
    service = _queue(args)
    return service.bulk_delete(args.ids, _version(args, service))


def _run(args: argparse.Namespace) -> RunResult:
    usecases = _usecases(args)
    return usecases.run_drafts(_version(args, usecases.queues), args.ids or None)


def _stop(args: argparse.Namespace) -> StopResult:
    """Stop the task; its Dagster run is terminated too when $DAGSTER_HOME names a reachable instance
    (as in the HTTP API: if the instance cannot be loaded, the task is still canceled in the app DB)."""
    from media_pipeline.orchestration.dagster_link import DagsterLink

    dagster = DagsterLink(_url())
    try:
        return _usecases(args, dagster.run_control()).stop(args.task_id)
    finally:
        dagster.close()


def _retry(args: argparse.Namespace) -> TaskView:
    return _usecases(args).retry(args.task_id)


def _rerun(args: argparse.Namespace) -> RerunResult:
    return _usecases(args).rerun(args.task_id)


def _approve(args: argparse.Namespace) -> TaskView:
    return _tasks(args).approve_script(args.task_id)


def _status(args: argparse.Namespace) -> TaskProgress | StageTabs:
    tasks = _tasks(args)
    return tasks.progress(args.task_id) if args.task_id else tasks.stage_tabs()


def _logs(args: argparse.Namespace) -> list[LogView]:
    return _tasks(args).logs(
        args.task_id, level=args.level, stage=args.stage, action=args.action, limit=args.limit
    )


def _schedule(args: argparse.Namespace) -> ScheduleView | list[ScheduleView]:
    from media_pipeline.store import ScheduleService

    if not args.list and (args.task_id is None or args.at is None):
        raise SystemExit("give a task id and --at (or --list)")
    service = ScheduleService(_url(), _owner(args))
    if args.list:
        return service.list(args.task_id)
    return service.create(
        args.task_id,
        datetime.fromisoformat(args.at),
        repeat=args.repeat,
        time_zone=args.tz,
        repeat_config=_options(args.repeat_config),
    )


def add_queue_commands(sub: argparse._SubParsersAction) -> None:
    """Register add/list/patch/reorder/delete/run/stop/retry/approve/status/logs/schedule."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--user", default=os.environ.get("MEDIA_PIPELINE_USER", "local"))
    common.add_argument("--workspace", default=os.environ.get("MEDIA_PIPELINE_WORKSPACE", "default"))
    common.add_argument("--queue-version", type=int, help="expected queue version (default: current)")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, parents=[common], help=help_text)
        parser.set_defaults(handler=handler, emit=True)
        return parser

    add = command("add", _add, "add assets to the draft queue (one draft each)")
    add.add_argument("asset_ids", nargs="+")
    add.add_argument("--options", help='task options as JSON, e.g. \'{"title": "...", "language": "en"}\'')
    listing = command("list", _list, "list drafts (in order) or tasks of a status")
    listing.add_argument("--status", default="draft")
    patch = command("patch", _patch, "merge options into drafts")
    patch.add_argument("ids", nargs="+")
    patch.add_argument("--options", required=True)
    patch.add_argument("--save-default", action="store_true", help="also save as the queue's default options")
    command("reorder", _reorder, "set the draft order (all draft ids)").add_argument("ids", nargs="+")
    command("delete", _delete, "delete drafts").add_argument("ids", nargs="+")
    command("run", _run, "queue all drafts, or the given ones").add_argument("ids", nargs="*")
    for name, handler, text in (
        ("stop", _stop, "stop a task (terminates its running Dagster run)"),
        ("retry", _retry, "retry a failed task from its failed stage"),
        ("rerun", _rerun, "run a canceled or failed (or succeeded) task again as a new generation"),
        ("approve", _approve, "approve a task's script"),
    ):
        command(name, handler, text).add_argument("task_id")
    status = command("status", _status, "a task's progress, or the stage tabs")
    status.add_argument("task_id", nargs="?")
    logs = command("logs", _logs, "task logs, newest first")
    logs.add_argument("task_id", nargs="?")
    logs.add_argument("--level")
    logs.add_argument("--stage")
    logs.add_argument("--action")
    logs.add_argument("--limit", type=int, default=50)
    schedule = command("schedule", _schedule, "schedule a task (once/daily/weekly/monthly) or list schedules")
    schedule.add_argument("task_id", nargs="?")
    schedule.add_argument("--at", help="first run, ISO 8601 with offset")
    schedule.add_argument("--repeat", default="once", choices=["once", "daily", "weekly", "monthly"])
    schedule.add_argument("--tz", default="UTC")
    schedule.add_argument("--repeat-config", help="JSON, e.g. '{\"weekdays\": [0, 3]}'")
    schedule.add_argument("--list", action="store_true")
