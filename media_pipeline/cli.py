"""``media-pipeline`` command line: demo, database, queue, task and schedule commands."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from media_pipeline.cli_backup import add_backup_commands
from media_pipeline.cli_credits import add_credits_commands
from media_pipeline.cli_queue import Handler, add_queue_commands
from media_pipeline.settings import get_settings


def _demo(args: argparse.Namespace) -> object:
    from media_pipeline.domain import TaskSettings, TaskSpec
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
    print(f"demo finished in {elapsed:.1f}s", file=sys.stderr)
    print(json.dumps(result.analysis, indent=2), file=sys.stderr)
    loudness = result.analysis["loudness"]
    print(
        f"duration {result.duration_s:.2f}s (target {spec.settings.duration_s:g}s), "
        f"loudness {loudness['integrated_lufs']:.1f} LUFS, true peak {loudness['true_peak_dbtp']:.1f} dBTP",
        file=sys.stderr,
    )
    print(f"thumbnail: {result.thumbnail}", file=sys.stderr)
    print(f"published: {result.url}", file=sys.stderr)
    print(result.video_location)
    return None


def _db_upgrade(args: argparse.Namespace) -> object:
    from media_pipeline.store import upgrade_db

    url = get_settings().resolved_app_db_url
    get_settings().resolved_data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_db(url)
    print(f"app database ready: {url.split('@')[-1]}")
    return None


def _youtube_auth(args: argparse.Namespace) -> object:
    from media_pipeline.usecases import authorize_youtube

    settings = get_settings()
    secrets = args.client_secrets or settings.youtube_client_secrets_file
    if args.channel is not None and args.token_file is not None:
        raise SystemExit("give --channel or --token-file, not both")
    token = settings.channel_token_file(args.channel) if args.channel else args.token_file
    token = token or settings.youtube_token_file
    if secrets is None or token is None:
        raise SystemExit("give --client-secrets and --token-file (or MEDIA_PIPELINE_YOUTUBE_* settings)")
    print(f"token written to {authorize_youtube(secrets, token, settings, open_browser=not args.no_browser)}")
    return None


def _channel_setting_id(value: str) -> str:
    from media_pipeline.domain.models import CHANNEL_ID_PATTERN

    if not re.fullmatch(CHANNEL_ID_PATTERN, value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a channel setting id (c + 12 hex digits)")
    return value


def _plan(args: argparse.Namespace) -> object:
    from media_pipeline.store import WorkspacePlans, ensure_migrated

    settings = get_settings()
    ensure_migrated(settings.resolved_app_db_url)
    plans = WorkspacePlans(settings.resolved_app_db_url, settings=settings)
    return plans.get(args.workspace) if args.set is None else plans.set(args.workspace, args.set)


def _api(args: argparse.Namespace) -> object:
    import os

    # The API is its own program (docs/ARCHITECTURE.md §1: the CLI does not import the API); this process
    # becomes it, keeping its pid and signals. It reads its settings from the environment.
    if args.workers is not None:
        os.environ["MEDIA_PIPELINE_API_WORKERS"] = str(args.workers)
    os.execv(sys.executable, [sys.executable, "-m", "media_pipeline.api"])


def _up(args: argparse.Namespace) -> object:
    import os

    from media_pipeline.supervisor import up

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise SystemExit("set DAGSTER_HOME (make up does) so runs and schedules are kept")
    raise SystemExit(up(get_settings(), Path(home), args.dagster_port))


def _token(args: argparse.Namespace) -> object:
    from media_pipeline.usecases_tokens import mint_token

    scopes = ["read"] if args.read_only else ["read", "write"]
    if args.admin:
        scopes.append("admin")
    print(mint_token(args.user, args.workspace, get_settings(), ttl_s=args.ttl, scopes=scopes))
    return None


def _user_add(args: argparse.Namespace) -> object:
    import getpass

    from media_pipeline.store import UserService

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass()
    users = UserService(get_settings().resolved_app_db_url)
    owner = users.add(args.username, password, args.workspace, is_admin=args.admin)
    role = "admin" if args.admin else "user"
    print(f"{role} {args.username} created (id {owner.user_id}, workspace {owner.workspace_id})")
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
    auth = sub.add_parser("youtube-auth", help="one-time YouTube authorization; writes the token file")
    auth.add_argument("--client-secrets", type=Path, help="OAuth client secrets JSON (Desktop app)")
    auth.add_argument("--token-file", type=Path, help="where to write the token (default: settings)")
    auth.add_argument(
        "--channel",
        type=_channel_setting_id,
        help="authorize this channel setting (id from GET /api/channels); writes its own token file",
    )
    auth.add_argument("--no-browser", action="store_true")
    auth.set_defaults(handler=_youtube_auth)
    api = sub.add_parser("api", help="serve the HTTP API (settings api_host/api_port/api_workers)")
    api.add_argument(
        "--workers", type=int, help="worker processes, 1 to 64 (default: setting api_workers, 1)"
    )
    api.set_defaults(handler=_api)
    up = sub.add_parser("up", help="start API + console, Dagster webserver and daemon; Ctrl-C stops all")
    up.add_argument("--dagster-port", type=int, default=3000)
    up.set_defaults(handler=_up)
    token = sub.add_parser("token", help="mint a development JWT for the HTTP API")
    token.add_argument("--user", default="local")
    token.add_argument("--workspace", default="default")
    token.add_argument("--ttl", type=int, default=24 * 3600, help="lifetime in seconds")
    token.add_argument("--read-only", action="store_true")
    token.add_argument("--admin", action="store_true", help="also grant 'admin' (credit grants)")
    token.set_defaults(handler=_token)
    plan = sub.add_parser("plan", help="show (or --set) a workspace's plan, its limits and today's usage")
    plan.add_argument("--workspace", required=True)
    plan.add_argument("--set", help="put the workspace on this plan (one of the configured plans)")
    plan.set_defaults(handler=_plan, emit=True)
    user = sub.add_parser("user", help="console users").add_subparsers(dest="user_command", required=True)
    user_add = user.add_parser("add", help="create a console user (asks for the password)")
    user_add.add_argument("username")
    user_add.add_argument("--workspace", default="default")
    user_add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    user_add.add_argument(
        "--admin", action="store_true", help="a workspace admin (manages users in the console)"
    )
    user_add.set_defaults(handler=_user_add)
    add_queue_commands(sub)
    add_credits_commands(sub)
    add_backup_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``media-pipeline`` command."""
    from media_pipeline.errors import MediaPipelineError

    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        result = handler(args)
    except MediaPipelineError as exc:
        detail = exc.to_dict() if hasattr(exc, "to_dict") else {"code": exc.code, "message": str(exc)}
        print(json.dumps(detail, ensure_ascii=False, indent=2), file=sys.stderr)
        return 2
    if getattr(args, "emit", False):
        print(json.dumps(_jsonable(result), ensure_ascii=False, indent=2, default=str))
    return 0


def _jsonable(value: object) -> object:
    """Pydantic views (and lists of them) as JSON-ready data."""
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if dump else value


if __name__ == "__main__":
    raise SystemExit(main())
