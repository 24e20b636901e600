"""Draft queue endpoints: happy paths, versions (If-Match/body, stale -> 409 and nothing changed),
validation, tenancy, and 50 concurrent identical runs."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import Engine, func, select

from media_pipeline.store.models import TaskStageState
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import add_jobs, assert_error, queue_of, run_jobs
from media_pipeline_tests.store.support import snapshot


def test_default_queue_is_created_and_versioned(client: httpx.Client) -> None:
    response = client.get("/api/queue")
    assert response.status_code == 200
    queue = response.json()
    assert (queue["name"], queue["version"], queue["defaultOptions"]) == ("Default Queue", 1, {})
    assert response.headers["ETag"] == '"1"'
    assert client.get("/api/queue").json()["id"] == queue["id"]


def test_draft_lifecycle(client: httpx.Client) -> None:
    queue = queue_of(client)
    base = f"/api/queue/{queue['id']}"
    added = client.post(
        f"{base}/jobs", json={"assetIds": ["a", "b", "c", "a"], "options": {"language": "en", "title": "T"}}
    )
    assert added.status_code == 200, added.text
    body = added.json()
    a, b, c = body["jobs"]  # duplicates collapse
    assert body["createdIds"] == [a["id"], b["id"], c["id"]]
    assert a["settings"]["language"] == "en" and a["title"] == "T" and a["status"] == "draft"
    version = body["version"]
    assert added.headers["ETag"] == f'"{version}"'

    listed = client.get(f"{base}/jobs", params={"status": "draft"}).json()
    assert [job["id"] for job in listed["jobs"]] == [a["id"], b["id"], c["id"]]
    assert listed["version"] == version

    patched = client.patch(
        f"{base}/jobs/bulk",
        json={"jobIds": [a["id"], b["id"]], "optionsPartial": {"imageCount": 3}, "saveAsDefault": True},
        headers={"If-Match": f'"{version}"'},
    )
    assert patched.status_code == 200, patched.text
    assert {job["settings"]["imageCount"] for job in patched.json()["jobs"]} == {3}
    assert queue_of(client)["defaultOptions"] == {"imageCount": 3}
    version = patched.json()["version"]

    reordered = client.patch(
        f"{base}/jobs/reorder", json={"orderedJobIds": [c["id"], a["id"], b["id"]], "version": version}
    )
    assert reordered.status_code == 200, reordered.text
    assert [(job["id"], job["queuePosition"]) for job in reordered.json()["jobs"]] == [
        (c["id"], 0),
        (a["id"], 1),
        (b["id"], 2),
    ]
    version = reordered.json()["version"]

    deleted = client.request("DELETE", f"{base}/jobs/bulk", json={"jobIds": [a["id"]], "version": version})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["deletedIds"] == [a["id"]]
    version = deleted.json()["version"]

    ran = client.post(f"{base}/run", json={"jobIds": [c["id"]], "version": version})
    assert ran.status_code == 200, ran.text
    assert [job["id"] for job in ran.json()["queued"]] == [c["id"]]
    assert ran.json()["queued"][0]["status"] == "queued" and ran.json()["batchId"]
    queued = client.get(f"{base}/jobs", params={"status": "queued"}).json()["jobs"]
    assert [job["id"] for job in queued] == [c["id"]]
    assert [job["id"] for job in client.get(f"{base}/jobs").json()["jobs"]] == [b["id"]]

    renamed = client.patch(
        base,
        json={"name": "Shorts", "defaultOptions": {"language": "ja"}},
        headers={"If-Match": ran.headers["ETag"]},
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["defaultOptions"]) == ("Shorts", {"language": "ja"})


def test_stale_version_is_409_and_changes_nothing(client: httpx.Client, db_engine: Engine) -> None:
    added = add_jobs(client, ["a", "b"])
    queue_id = queue_of(client)["id"]
    stale = added["version"] - 1
    ids = [job["id"] for job in added["jobs"]]
    before = snapshot(db_engine)
    for method, path, body in [
        ("PATCH", "/jobs/bulk", {"jobIds": ids, "optionsPartial": {"imageCount": 2}}),
        ("PATCH", "/jobs/reorder", {"orderedJobIds": ids[::-1]}),
        ("DELETE", "/jobs/bulk", {"jobIds": ids}),
        ("POST", "/run", {}),
        ("POST", "/jobs", {"assetIds": ["z"]}),
        ("PATCH", "", {"name": "x"}),
    ]:
        response = client.request(
            method, f"/api/queue/{queue_id}{path}", json=body, headers={"If-Match": f'W/"{stale}"'}
        )
        error = assert_error(response, 409, "CONFLICT")
        assert error["details"] == {"expectedVersion": stale, "currentVersion": added["version"]}
    assert snapshot(db_engine) == before


def test_version_is_optional_and_must_agree(client: httpx.Client) -> None:
    queue = queue_of(client)
    base = f"/api/queue/{queue['id']}"
    missing = client.post(f"{base}/run", json={})
    assert missing.status_code == 200 and missing.json()["queued"] == [], missing.text
    assert_error(
        client.patch(base, json={"name": "no version"}), 422, "VALIDATION_ERROR"
    )  # renaming the queue still needs one
    assert_error(
        client.post(f"{base}/run", json={"version": 1}, headers={"If-Match": '"2"'}), 422, "VALIDATION_ERROR"
    )
    assert_error(client.post(f"{base}/run", headers={"If-Match": "*"}), 422, "VALIDATION_ERROR")
    no_body = client.post(f"{base}/run", headers={"If-Match": f'"{missing.json()["version"]}"'})
    assert no_body.status_code == 200 and no_body.json()["queued"] == []


def test_invalid_options_and_limits(client: httpx.Client, db_engine: Engine) -> None:
    queue = queue_of(client)
    base = f"/api/queue/{queue['id']}"
    before = snapshot(db_engine)
    bad = client.post(
        f"{base}/jobs", json={"assetIds": ["a"], "options": {"imageCount": 99, "language": "xx"}}
    )
    fields = {error["field"] for error in assert_error(bad, 422, "VALIDATION_ERROR")["details"]["errors"]}
    assert fields == {"imageCount", "language"}
    too_many = client.post(f"{base}/jobs", json={"assetIds": [f"a{i}" for i in range(11)]})
    assert assert_error(too_many, 422, "LIMIT_EXCEEDED")["details"] == {
        "plan": "free",
        "limitName": "itemsPerAdd",
        "limit": 10,
        "requested": 11,
    }
    empty = client.post(f"{base}/jobs", json={"assetIds": []})
    assert assert_error(empty, 422, "VALIDATION_ERROR")["details"]["errors"][0]["field"] == "assetIds"
    unknown_field = client.post(f"{base}/jobs", json={"assetIds": ["a"], "bogus": 1})
    assert assert_error(unknown_field, 422, "VALIDATION_ERROR")["details"]["errors"][0]["field"] == "bogus"
    assert snapshot(db_engine) == before


def test_malformed_and_wrong_bodies_are_4xx(client: httpx.Client) -> None:
    queue = queue_of(client)
    base = f"/api/queue/{queue['id']}"
    headers = {"Content-Type": "application/json"}
    assert_error(
        client.post(f"{base}/jobs", content=b'{"assetIds": [', headers=headers), 400, "VALIDATION_ERROR"
    )
    assert_error(client.post(f"{base}/jobs", content=b"\xff\xfe", headers=headers), 400, "VALIDATION_ERROR")
    assert_error(client.post(f"{base}/jobs", content=b"[1, 2]", headers=headers), 422, "VALIDATION_ERROR")
    assert_error(client.post(f"{base}/jobs", content=b"assetIds=a"), 422, "VALIDATION_ERROR")
    huge = b'{"assetIds": ["' + b"a" * (2 * 1024 * 1024) + b'"]}'
    assert_error(client.post(f"{base}/jobs", content=huge, headers=headers), 413, "PAYLOAD_TOO_LARGE")

    def chunked():  # no Content-Length: the limit applies while streaming
        yield b'{"assetIds": ["'
        for _ in range(40):
            yield b"a" * 65536
        yield b'"]}'

    assert_error(client.post(f"{base}/jobs", content=chunked(), headers=headers), 413, "PAYLOAD_TOO_LARGE")
    assert_error(client.put(f"{base}/run", json={}), 405, "METHOD_NOT_ALLOWED")
    assert_error(client.get("/api/nothing-here"), 404, "NOT_FOUND")


def test_other_owners_queue_and_jobs_are_404(
    client: httpx.Client, other_client: httpx.Client, db_engine: Engine
) -> None:
    mine = add_jobs(client, ["a"])
    job_id = mine["jobs"][0]["id"]
    my_queue = queue_of(client)["id"]
    theirs = queue_of(other_client)
    assert theirs["id"] != my_queue
    before = snapshot(db_engine)
    assert_error(other_client.get(f"/api/queue/{my_queue}/jobs"), 404, "NOT_FOUND")
    assert_error(other_client.post(f"/api/queue/{my_queue}/run", json={"version": 2}), 404, "NOT_FOUND")
    in_own_queue = other_client.post(
        f"/api/queue/{theirs['id']}/run", json={"jobIds": [job_id], "version": theirs["version"]}
    )
    assert assert_error(in_own_queue, 404, "NOT_FOUND")["details"] == {"taskIds": [job_id]}
    assert snapshot(db_engine) == before


def test_50_concurrent_identical_runs_queue_one_generation_and_answer_alike(
    api: LiveApi, client: httpx.Client, db_engine: Engine
) -> None:
    added = add_jobs(client, ["a", "b"])
    queue_id = queue_of(client)["id"]
    headers = {**client.headers, "If-Match": f'"{added["version"]}"'}

    async def race() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(
            base_url=api.base_url, headers=headers, limits=limits, timeout=60
        ) as http:
            return await asyncio.gather(
                *[http.post(f"/api/queue/{queue_id}/run", json={}) for _ in range(50)]
            )

    responses = asyncio.run(race())
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 50, statuses  # a repeated Run answers the first one's result
    assert len({response.text for response in responses}) == 1
    with db_engine.connect() as connection:
        generations = connection.execute(
            select(TaskStageState.task_id, func.count(func.distinct(TaskStageState.generation))).group_by(
                TaskStageState.task_id
            )
        ).all()
    assert sorted(count for _, count in generations) == [1, 1]
    assert {
        job["status"] for job in client.get(f"/api/queue/{queue_id}/jobs?status=queued").json()["jobs"]
    } == {"queued"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_run_without_jobs_is_a_no_op(client: httpx.Client) -> None:
    assert run_jobs(client)["queued"] == []


def test_draft_rules_are_enforced(client: httpx.Client, db_engine: Engine) -> None:
    added = add_jobs(client, ["a", "b"])
    a, b = (job["id"] for job in added["jobs"])
    run_jobs(client, [a])
    queue = queue_of(client)
    base, version = f"/api/queue/{queue['id']}", queue["version"]
    before = snapshot(db_engine)
    partial = client.patch(f"{base}/jobs/reorder", json={"orderedJobIds": [], "version": version})
    assert assert_error(partial, 422, "VALIDATION_ERROR")["details"]["missing"] == [b]
    not_draft = client.request("DELETE", f"{base}/jobs/bulk", json={"jobIds": [a, b], "version": version})
    assert assert_error(not_draft, 409, "CONFLICT")["details"] == {"statuses": {a: "queued"}}
    edit_queued = client.patch(
        f"{base}/jobs/bulk", json={"jobIds": [a], "optionsPartial": {}, "version": version}
    )
    assert_error(edit_queued, 409, "CONFLICT")
    assert_error(client.patch(base, json={"name": "", "version": version}), 422, "VALIDATION_ERROR")
    bad_defaults = client.patch(base, json={"defaultOptions": {"title": "x"}, "version": version})
    assert_error(bad_defaults, 422, "VALIDATION_ERROR")
    assert snapshot(db_engine) == before
