"""The ``media-pipeline`` CLI over a real SQLite app DB: add, list, patch, reorder, run, stop, rerun, logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from media_pipeline.cli import main
from media_pipeline_tests.conftest import EntryPointEnv


@pytest.fixture
def cli(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    entry_point_env: EntryPointEnv,
    capsys: pytest.CaptureFixture[str],
):
    """``media-pipeline`` commands in this process, reading their settings from the environment."""
    entry_point_env.set(data_dir=tmp_path)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)

    def run(*argv: str) -> tuple[int, object]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, json.loads(out or err) if (out or err).strip().startswith(("{", "[")) else out

    assert run("db-upgrade")[0] == 0
    return run


def test_queue_lifecycle_through_cli(cli) -> None:
    code, added = cli("add", "a1", "a2", "a3", "--options", '{"title": "Hello", "language": "en"}')
    assert code == 0 and len(added["created_ids"]) == 3
    ids = added["created_ids"]

    assert cli("patch", ids[0], "--options", '{"imageCount": 7}')[0] == 0
    _, reordered = cli("reorder", ids[2], ids[0], ids[1])
    assert [t["id"] for t in reordered["tasks"]] == [ids[2], ids[0], ids[1]]
    assert cli("delete", ids[1])[0] == 0

    _, ran = cli("run")
    assert sorted(t["id"] for t in ran["queued"]) == sorted([ids[0], ids[2]])
    _, again = cli("run")
    assert again["queued"] == []

    _, stopped = cli("stop", ids[0])
    assert stopped["task"]["status"] == "canceled"
    _, logs = cli("logs", ids[0], "--action", "stop")
    assert [entry["action_type"] for entry in logs] == ["stop"]
    _, rerun = cli("rerun", ids[0])
    assert (rerun["started"], rerun["task"]["status"], rerun["task"]["generation"]) == (True, "queued", 2)
    _, progress = cli("status", ids[2])
    assert progress["status"] == "queued"


def test_cli_errors_are_clear_and_change_nothing(cli) -> None:
    code, error = cli("add", "a1", "--options", '{"imageCount": 0}')
    assert code == 2 and error["code"] == "VALIDATION_ERROR"
    assert error["details"]["errors"][0]["field"] == "imageCount"
    _, drafts = cli("list")
    assert drafts["tasks"] == []
    code, error = cli("add", "a1", "--queue-version", "99")
    assert code == 2 and error["code"] == "CONFLICT"
    code, error = cli("add", "a1", "lib000000000000")  # a library id must be one of the user's items
    assert code == 2 and error["code"] == "NOT_FOUND" and error["details"]["assetIds"] == ["lib000000000000"]
    assert cli("list")[1]["tasks"] == []


def test_credits_grant_then_run_reserves_and_refuses_when_short(cli, entry_point_env: EntryPointEnv) -> None:
    entry_point_env.set(images_base_url="http://127.0.0.1:9/v1")
    options = '{"title": "Paid", "mediaMode": "dalle3", "imageCount": 3}'
    code, added = cli("add", "p1", "p2", "--options", options)
    assert code == 0
    code, error = cli("run")
    assert code == 2 and error["code"] == "INSUFFICIENT_CREDITS" and error["details"]["required"] == 6
    code, granted = cli("credits", "grant", "4", "--workspace", "default", "--note", "trial")
    assert code == 0 and granted == {"workspaceId": "default", "granted": 4, "balance": 4}
    _, ran = cli("run", added["created_ids"][0])
    assert [task["id"] for task in ran["queued"]] == [added["created_ids"][0]]
    _, balance = cli("credits", "balance")
    assert (balance["balance"], balance["reserved"]) == (1, 3)
    _, ledger = cli("credits", "ledger", "--limit", "2")
    assert [(entry["kind"], entry["image_index"]) for entry in ledger] == [("reserve", 2), ("reserve", 1)]
