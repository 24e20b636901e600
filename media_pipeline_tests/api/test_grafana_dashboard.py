"""``deploy/grafana/media_pipeline.json`` loads as a Grafana dashboard and every metric its panels query is
in the API's ``/metrics`` output (so a renamed metric breaks this test, not the dashboard)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from media_pipeline_tests.api.conftest import LiveApi

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "media_pipeline.json"
METRIC = re.compile(r"\bmedia_pipeline_[a-z0-9_]+")
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_every_panel_queries_metrics_the_api_exports(api: LiveApi) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["title"] and dashboard["panels"]
    httpx.get(f"{api.base_url}/health")  # one request, so the HTTP latency histogram has samples
    text = httpx.get(f"{api.base_url}/metrics").text
    exported = {sample.name for family in text_string_to_metric_families(text) for sample in family.samples}
    wanted = {
        "retries": "media_pipeline_stage_retries_total",
        "rescues": "media_pipeline_stage_rescues_total",
        "stalls": "media_pipeline_stage_stalls_total",
        "oldest": "media_pipeline_oldest_waiting_task_age_seconds",
        "depth": "media_pipeline_queue_length",
    }
    queried: set[str] = set()
    for panel in dashboard["panels"]:
        assert panel["title"] and panel["targets"], panel
        for target in panel["targets"]:
            names = set(METRIC.findall(target["expr"]))
            assert names, f"panel {panel['title']!r} queries no media_pipeline metric"
            assert names <= exported, f"panel {panel['title']!r}: {sorted(names - exported)} not exported"
            queried |= names
    assert set(wanted.values()) <= queried
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
