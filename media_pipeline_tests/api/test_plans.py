"""Plan limits per workspace over HTTP (the plan set by an operator with the CLI), and the draft expiry
default of seed 000 (30 days)."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx

from media_pipeline.settings import Settings
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import assert_error, queue_of


def _cli(api: LiveApi, *args: str) -> subprocess.CompletedProcess[str]:
    """``media-pipeline plan`` on the server's database and plans."""
    plans = {name: limits.model_dump() for name, limits in api.settings.plans.items()}
    env = {
        "MEDIA_PIPELINE_APP_DB_URL": api.db_url,
        "MEDIA_PIPELINE_DATA_DIR": str(api.settings.data_dir),
        "MEDIA_PIPELINE_PLANS": json.dumps(plans),
    }
    command = [sys.executable, "-m", "media_pipeline.cli", "plan", "--workspace", "ws-1", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_the_workspace_plan_sets_the_limits(api: LiveApi, client: httpx.Client) -> None:
    plan = client.get("/api/workspace/plan").json()
    assert plan == {
        "plan": "free",
        "limits": {"draftsPerQueue": 25, "itemsPerAdd": 10, "runsPerDay": 1000},
        "runsToday": 0,
    }
    queue = queue_of(client)
    body = {"assetIds": [f"a{i}" for i in range(11)], "version": queue["version"]}
    error = assert_error(client.post(f"/api/queue/{queue['id']}/jobs", json=body), 422, "LIMIT_EXCEEDED")
    assert (error["details"]["limitName"], error["details"]["limit"]) == ("itemsPerAdd", 10)

    refused = _cli(api, "--set", "platinum")
    assert refused.returncode == 2 and json.loads(refused.stderr)["code"] == "VALIDATION_ERROR"
    upgraded = _cli(api, "--set", "pro")
    assert upgraded.returncode == 0, upgraded.stderr
    assert json.loads(upgraded.stdout)["plan"] == "pro"
    assert client.get("/api/workspace/plan").json()["limits"]["itemsPerAdd"] == 50
    added = client.post(
        f"/api/queue/{queue['id']}/jobs", json={**body, "version": queue_of(client)["version"]}
    )
    assert added.status_code == 200, added.text


def test_default_draft_expiry_is_30_days() -> None:
    assert Settings().draft_ttl_days == 30
