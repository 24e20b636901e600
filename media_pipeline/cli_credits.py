"""``media-pipeline credits``: grant credits to a workspace (operator action), show its balance and ledger."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from media_pipeline.cli_queue import _url

if TYPE_CHECKING:
    from media_pipeline.store import CreditBalanceView, CreditService, LedgerEntryView


def _grant(args: argparse.Namespace) -> dict[str, object]:
    from media_pipeline.store import CreditAdmin

    balance = CreditAdmin(_url()).grant(args.workspace, args.amount, args.note, granted_by=args.by)
    return {"workspaceId": args.workspace, "granted": args.amount, "balance": balance}


def _service(args: argparse.Namespace) -> CreditService:
    from media_pipeline.store import CreditService, Owner

    return CreditService(_url(), Owner(user_id=args.by, workspace_id=args.workspace))


def _balance(args: argparse.Namespace) -> CreditBalanceView:
    return _service(args).balance()


def _ledger(args: argparse.Namespace) -> list[LedgerEntryView]:
    entries, _total = _service(args).ledger(args.limit, task_id=args.task)
    return entries


def add_credits_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``credits grant|balance|ledger``."""
    credits = sub.add_parser("credits", help="workspace credits: grant, balance, ledger")
    actions = credits.add_subparsers(dest="credits_command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", default=os.environ.get("MEDIA_PIPELINE_WORKSPACE", "default"))
    common.add_argument("--by", default=os.environ.get("MEDIA_PIPELINE_USER", "local"), help="operator id")
    grant = actions.add_parser("grant", parents=[common], help="add credits to a workspace")
    grant.add_argument("amount", type=int)
    grant.add_argument("--note", default="")
    grant.set_defaults(handler=_grant, emit=True)
    actions.add_parser("balance", parents=[common], help="balance and reserved credits").set_defaults(
        handler=_balance, emit=True
    )
    ledger = actions.add_parser("ledger", parents=[common], help="ledger entries, newest first")
    ledger.add_argument("--limit", type=int, default=50)
    ledger.add_argument("--task", help="only this task's entries")
    ledger.set_defaults(handler=_ledger, emit=True)
