"""Seed 000 §3's request bodies, sent verbatim (no queue version), are accepted and apply to the current
queue; a repeated Run (same version or ``Idempotency-Key``) answers the first Run's result with 200 and
queues nothing twice (seed 000 §5, docs/ARCHITECTURE.md §3 invariant 2)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from media_pipeline.store.models import TaskStageState
from media_pipeline_tests.api.support import assert_error, queue_of


def _generations(db_engine: Engine) -> int:
    with db_engine.connect() as connection:
        return connection.scalar(
            select(func.count()).select_from(
                select(TaskStageState.task_id, TaskStageState.generation).distinct().subquery()
            )
        )


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_seed_000_section_3_bodies_verbatim(client: httpx.Client, db_engine: Engine) -> None:
    base = f"/api/queue/{queue_of(client)['id']}"
    jobs = _ok(client.post(f"{base}/jobs", json={"assetIds": ["a1", "a2", "a3", "a4"]}))["jobs"]
    ids = [job["id"] for job in jobs]

    patched = _ok(
        client.patch(f"{base}/jobs/bulk", json={"jobIds": ids[:2], "optionsPartial": {"imageCount": 2}})
    )
    assert [job["settings"]["imageCount"] for job in patched["jobs"]] == [2, 2]
    reordered = _ok(client.patch(f"{base}/jobs/reorder", json={"orderedJobIds": ids[::-1]}))
    assert [job["id"] for job in reordered["jobs"]] == ids[::-1]
    deleted = _ok(client.request("DELETE", f"{base}/jobs/bulk", json={"jobIds": [ids[0]]}))
    assert deleted["deletedIds"] == [ids[0]]

    ran = _ok(client.post(f"{base}/run", json={"jobIds": [ids[1]]}))
    assert [job["id"] for job in ran["queued"]] == [ids[1]]
    rest = _ok(client.post(f"{base}/run", json={}))  # "없으면 큐의 전체 draft"
    assert [job["id"] for job in rest["queued"]] == [ids[3], ids[2]]
    assert _generations(db_engine) == 3
    assert _ok(client.get(f"{base}/jobs", params={"status": "draft"}))["jobs"] == []


def test_a_repeated_run_answers_the_first_result(client: httpx.Client, db_engine: Engine) -> None:
    queue = queue_of(client)
    base = f"/api/queue/{queue['id']}"
    added = _ok(client.post(f"{base}/jobs", json={"assetIds": ["a1", "a2"]}))
    version = added["version"]

    first = _ok(client.post(f"{base}/run", json={"version": version}))
    again = _ok(client.post(f"{base}/run", json={"version": version}))
    by_header = _ok(client.post(f"{base}/run", headers={"If-Match": f'"{version}"'}))
    assert first == again == by_header and len(first["queued"]) == 2
    assert _generations(db_engine) == 2

    more = _ok(client.post(f"{base}/jobs", json={"assetIds": ["a3"]}))["jobs"]
    keyed = _ok(client.post(f"{base}/run", json={}, headers={"Idempotency-Key": "click-1"}))
    repeated = _ok(client.post(f"{base}/run", json={}, headers={"Idempotency-Key": "click-1"}))
    assert keyed == repeated and [job["id"] for job in keyed["queued"]] == [more[0]["id"]]
    assert _generations(db_engine) == 3

    stale = assert_error(client.post(f"{base}/run", json={"version": version + 1}), 409, "CONFLICT")
    assert stale["details"]["expectedVersion"] == version + 1
