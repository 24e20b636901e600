"""``media-pipeline`` command line: demo, database, queue, task and schedule commands."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from media_pipeline.settings import get_settings

Handler = Callable[[argparse.Namespace], object]


def _demo(args: argparse.Namespace) -> object:
    from media_pipeline.domain import TaskSettings, TaskSpec
    from media_pipeline.media.probe import summarize
    from media_pipeline.pipeline import produce_task

    task_id = args.task_id or "demo-" + datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    korean = args.language == "ko"
    spec = TaskSpec(
        task_id=task_id,
        title="서울의 가을 산책" if korean else "An Autumn Walk in Seoul",
        settings=TaskSettings.model_validate(
            {
                "type": args.type,
                "language": args.language,
                "imageCount": 5,
                "styles": ["sunset", "ocean", "forest"],
                "music": True,
                "targetDurationS": args.duration,
            }
        ),
    )
    started = datetime.now(UTC)
    result = produce_task(spec)
    elapsed = (datetime.now(UTC) - started).total_seconds()
    summary = summarize(result.video)
    print(f"demo finished in {elapsed:.1f}s", file=sys.stderr)
    print(json.dumps(summary.as_dict(), indent=2), file=sys.stderr)
    print(f"thumbnail: {result.thumbnail}", file=sys.stderr)
    print(f"published: {result.url}", file=sys.stderr)
    print(result.video)
    return None


def _db_upgrade(args: argparse.Namespace) -> object:
    from media_pipeline.store.db import upgrade_db

    url = get_settings().resolved_app_db_url
    get_settings().resolved_data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_db(url)
    print(f"app database ready: {url.split('@')[-1]}")
    return None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="media-pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="produce one real video through Dagster and print its path")
    demo.add_argument("--task-id")
    demo.add_argument("--language", default="ko", choices=["ko", "en"])
    demo.add_argument("--type", default="shortform", choices=["shortform", "longform"])
    demo.add_argument("--duration", type=float, default=30.0, help="target duration in seconds")
    demo.set_defaults(handler=_demo)

    sub.add_parser("db-upgrade", help="create or migrate the app database").set_defaults(handler=_db_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``media-pipeline`` command."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    handler(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
