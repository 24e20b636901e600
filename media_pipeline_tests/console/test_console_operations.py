"""Operating tasks from the browser: stop a running task, retry a failed one, filter logs, schedules,
queue conflicts and per-user isolation. The orchestrator's side is played by ``PipelineState``."""

from __future__ import annotations

import json
import os

import httpx
from playwright.sync_api import Page, expect

from media_pipeline.processes import ProcessRef
from media_pipeline.store import PipelineState
from media_pipeline.store.heartbeats import HeartbeatStore, RunWorker
from media_pipeline_tests.console.conftest import Console, ConsoleErrors, screenshot, sign_in, wait_js


def _queued(api: httpx.Client, *titles: str) -> list[str]:
    """Add one draft per title and run them; returns the task ids in order."""
    queue = api.get("/api/queue").json()
    added = api.post(
        f"/api/queue/{queue['id']}/jobs",
        json={"assetIds": list(titles), "version": queue["version"]},
    ).json()
    ids = [job["id"] for job in added["jobs"]]
    for task_id, title in zip(ids, titles, strict=True):
        version = api.get("/api/queue").json()["version"]
        api.patch(
            f"/api/queue/{queue['id']}/jobs/bulk",
            json={"jobIds": [task_id], "optionsPartial": {"title": title}, "version": version},
        ).raise_for_status()
    api.post(f"/api/queue/{queue['id']}/run", json={"version": api.get("/api/queue").json()["version"]})
    return ids


def _confirm(page: Page) -> None:
    page.locator("dialog [data-confirm=yes]").click()


def test_stop_running_retry_failed_and_filter_logs(page: Page, console: Console) -> None:
    with console.client(console.alice) as api:
        running, failing = _queued(api, "달리는 작업", "실패할 작업")
    state = PipelineState(console.db_url)
    assert state.stage_started(running, 1, "script", "run-running", 4242, process_name="worker")
    state.stage_progress(running, 1, "script", 40, "writing scene 2/5")
    assert state.stage_started(failing, 1, "script", "run-failing", 4243, process_name="worker")
    state.stage_failed(
        failing, 1, "script", "run-failing", "ProviderError: the writer is down", transient=False
    )

    worker, child = ProcessRef.of(os.getpid()), ProcessRef.of(os.getppid())
    assert worker is not None and child is not None
    HeartbeatStore(console.db_url).beat(
        RunWorker("run-running", running, 1, "script", "host-a", worker, (child,))
    )

    sign_in(page, console, console.alice)
    page.get_by_role("link", name="자동화").click()
    row = page.locator("tr.task-row", has_text="달리는 작업")
    expect(row.locator('[data-field="message"]')).to_have_text("writing scene 2/5")
    expect(row.locator("progress")).to_have_attribute("value", "8")
    row.get_by_role("button", name="중지").click()
    expect(page.locator("dialog")).to_contain_text("'달리는 작업' 작업을 중지할까요?")
    _confirm(page)
    result = page.locator("#stop-result")
    expect(result.locator("[data-stop=runs] [data-count]")).to_have_text("1")
    expect(result.locator("[data-stop=running]")).to_contain_text("1 · 대본")
    expect(result.locator("[data-stop=waiting] [data-count]")).to_have_text("4")
    expect(result.locator("[data-stop=schedules] [data-count]")).to_have_text("0")
    expect(result.locator("[data-stop=processes]")).to_contain_text(f"2 · 워커 {worker.pid} (대본)")
    screenshot(page, "stop-result")
    result.get_by_role("button", name="확인").click()
    expect(page.locator("#banner")).to_have_text("작업을 중지했습니다.")
    expect(row).to_have_count(0)
    with console.client(console.alice) as api:
        assert api.get(f"/api/v1/videos/{running}").json()["status"] == "canceled"
    assert console.run_control.terminated == ["run-running"]

    page.locator("#tab-failed").click()
    expect(page.locator('[data-count="failed"]')).to_have_text("1")
    failed_row = page.locator("tr.task-row", has_text="실패할 작업")
    expect(failed_row).to_contain_text("ProviderError: the writer is down")
    screenshot(page, "automation-failed")
    failed_row.get_by_role("button", name="재시도").click()
    _confirm(page)
    expect(page.locator("#banner")).to_have_text("재시도를 시작했습니다.")
    expect(page.locator('[data-count="failed"]')).to_have_text("0")
    with console.client(console.alice) as api:
        assert api.get(f"/api/v1/videos/{failing}").json()["status"] == "queued"

    logs = page.locator("#logs")
    logs.get_by_label("레벨").select_option("error")
    logs.get_by_label("단계").select_option("script")
    logs.get_by_role("button", name="필터 적용").click()
    rows = page.locator("#log-rows tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ProviderError: the writer is down")
    expect(rows.first).to_contain_text(failing)
    logs.get_by_label("레벨").select_option("")
    logs.get_by_label("단계").select_option("")
    logs.get_by_label("동작").select_option("stop")
    logs.get_by_role("button", name="필터 적용").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(running)
    logs.get_by_label("종료 시각").fill("2000-01-01T00:00")
    logs.get_by_role("button", name="필터 적용").click()
    expect(rows).to_have_text(["로그가 없습니다."])


def test_stale_queue_version_shows_conflict_and_reloads(
    page: Page, console: Console, page_errors: ConsoleErrors
) -> None:
    page_errors.allow_status(409)
    with console.client(console.alice) as api:
        queue = api.get("/api/queue").json()
        api.post(f"/api/queue/{queue['id']}/jobs", json={"assetIds": ["a", "b"], "version": queue["version"]})
    sign_in(page, console, console.alice)
    expect(page.locator("#drafts .draft")).to_have_count(2)
    with console.client(console.alice) as api:  # another tab changes the queue
        jobs = api.get(f"/api/queue/{queue['id']}/jobs").json()
        api.patch(
            f"/api/queue/{queue['id']}/jobs/reorder",
            json={"orderedJobIds": [job["id"] for job in reversed(jobs["jobs"])], "version": jobs["version"]},
        ).raise_for_status()
    page.get_by_role("button", name="아래로: a").click()
    message = "다른 곳에서 큐가 변경되었습니다. 최신 내용을 다시 불러왔습니다. 다시 시도하세요."
    expect(page.locator("#queue-error")).to_have_text(message)
    expect(page.locator("#banner")).to_have_text(message)
    expect(page.locator("#drafts .draft .title")).to_have_text(["1. b", "2. a"])


def test_second_user_sees_none_of_the_first_users_data(
    page: Page, console: Console, page_errors: ConsoleErrors
) -> None:
    page_errors.allow_status(404)
    with console.client(console.alice) as api:
        task_id = _queued(api, "앨리스의 영상")[0]
        queue = api.get("/api/queue").json()
        api.post(
            f"/api/queue/{queue['id']}/jobs",
            json={"assetIds": ["draft-of-alice"], "version": queue["version"]},
        )
        api.post(
            "/api/automation/schedules",
            json={"taskId": task_id, "scheduledTime": "2031-01-01T09:00:00+09:00", "repeat": "daily"},
        ).raise_for_status()
    sign_in(page, console, console.bob)
    expect(page.locator("#drafts")).to_contain_text("큐에 초안이 없습니다.")
    page.get_by_role("link", name="자동화").click()
    for tab in ("scheduled", "script", "failed", "done"):
        expect(page.locator(f'[data-count="{tab}"]')).to_have_text("0")
    expect(page.locator("#log-rows")).to_have_text("로그가 없습니다.")
    page.get_by_role("link", name="예약").click()
    expect(page.locator("#schedule-rows")).to_have_text("예약이 없습니다.")
    page.goto(f"{console.base_url}/#/tasks/{task_id}")
    expect(page.locator("#task-error")).to_contain_text("NOT_FOUND")


def test_schedule_create_edit_pause(page: Page, console: Console) -> None:
    with console.client(console.alice) as api:
        task_id = _queued(api, "매일 영상")[0]
    sign_in(page, console, console.alice)
    page.get_by_role("link", name="예약").click()
    new = page.locator("#schedule-new")
    new.get_by_label("작업").select_option(task_id)
    new.get_by_label("실행 시각").fill("2031-03-01T09:30")
    new.get_by_label("반복").select_option("weekly")
    new.get_by_label("시간대").fill("Asia/Seoul")
    new.get_by_role("button", name="저장").click()
    row = page.locator("#schedule-rows tr", has_text="매일 영상")
    expect(row).to_contain_text("매주")
    with console.client(console.alice) as api:
        [schedule] = api.get("/api/automation/schedules").json()["items"]
    assert schedule["scheduledTime"] == "2031-03-01T00:30:00Z" and schedule["timeZone"] == "Asia/Seoul"

    row.get_by_role("button", name="수정").click()
    page.locator("#schedule-rows").get_by_label("반복").select_option("daily")
    page.locator("#schedule-rows").get_by_role("button", name="저장").click()
    expect(row).to_contain_text("매일")
    row.get_by_role("button", name="일시 중지").click()
    expect(row.get_by_role("button", name="재개")).to_be_visible()
    with console.client(console.alice) as api:
        [schedule] = api.get("/api/automation/schedules").json()["items"]
    assert schedule["repeat"] == "daily" and schedule["isActive"] is False
    screenshot(page, "schedules")


def test_task_page_shows_the_error_text_as_it_happens(page: Page, console: Console) -> None:
    with console.client(console.alice) as api:
        (task_id,) = _queued(api, "오류가 날 작업")
    state = PipelineState(console.db_url)
    assert state.stage_started(task_id, 1, "script", "run-x", 4242, process_name="worker")
    state.stage_progress(task_id, 1, "script", 40, "writing scene 2/5")
    sign_in(page, console, console.alice)
    page.goto(f"{console.base_url}/#/tasks/{task_id}")
    expect(page.locator("#task-message")).to_have_text("writing scene 2/5")
    with console.client(console.alice) as api:
        running = api.get(f"/api/v1/videos/{task_id}").text
    # The task resource keeps answering "running": only the progress event can bring the error text.
    page.route(
        f"**/api/v1/videos/{task_id}",
        lambda route: route.fulfill(status=200, content_type="application/json", body=running),
    )
    page.evaluate(
        """() => {
          window.seenMessages = [];
          const status = document.querySelector('#task-status');
          new MutationObserver(() => {
            window.seenMessages.push(document.querySelector('#task-message')?.textContent || '');
          }).observe(status, { subtree: true, childList: true, characterData: true });
        }"""
    )
    state.stage_failed(task_id, 1, "script", "run-x", "ProviderError: the writer is down", transient=False)
    wait_js(page, "window.seenMessages.some((text) => text === 'ProviderError: the writer is down')", 30)


def test_task_page_moves_with_progress_and_fetches_again_only_on_a_new_stage(
    page: Page, console: Console
) -> None:
    """A stage reports every second or two: each event moves the bar and the message, and the task, its files
    and credits are fetched again only when the status, stage or generation changed (the page's clock is
    Playwright's, so a reload the page schedules runs exactly when the test lets time pass)."""
    with console.client(console.alice) as api:
        (task_id,) = _queued(api, "진행 작업")
    state = PipelineState(console.db_url)
    assert state.stage_started(task_id, 1, "script", "run-s", 4242, process_name="worker")
    state.stage_progress(task_id, 1, "script", 20, "writing scene 1/5")
    loads: list[str] = []
    files_url = f"/api/v1/videos/{task_id}/files"
    page.on("request", lambda request: loads.append(request.url) if request.url.endswith(files_url) else None)
    page.clock.install()
    sign_in(page, console, console.alice)
    page.goto(f"{console.base_url}/#/tasks/{task_id}")
    status = page.locator("#task-status")
    expect(page.locator("#task-message")).to_have_text("writing scene 1/5")
    expect(status).to_contain_text("대본")
    assert len(loads) == 1

    for percent in (40, 60, 80):
        state.stage_progress(task_id, 1, "script", percent, f"writing scene {percent // 20}/5")
        expect(page.locator("#task-message")).to_have_text(f"writing scene {percent // 20}/5")
        page.clock.run_for(2_000)  # a reload scheduled by this event would run now
    assert page.locator("#task-progress").get_attribute("value") != "0"

    assert state.stage_completed(task_id, 1, "script", "run-s")
    assert state.stage_started(task_id, 1, "images", "run-i", 4243, process_name="worker")
    state.stage_progress(task_id, 1, "images", 10, "drawing image 1/6")
    expect(page.locator("#task-message")).to_have_text("drawing image 1/6")
    page.clock.run_for(2_000)
    expect(status).to_contain_text("이미지")
    assert len(loads) == 2, loads


def test_task_buttons_follow_the_actions_the_server_sends(page: Page, console: Console) -> None:
    with console.client(console.alice) as api:
        (task_id,) = _queued(api, "버튼 작업")
        queued = api.get(f"/api/v1/videos/{task_id}").json()
    sign_in(page, console, console.alice)
    page.goto(f"{console.base_url}/#/tasks/{task_id}")
    status = page.locator("#task-status")
    expect(status).to_contain_text("대기 · 생성 1")
    expect(status.locator('[data-action="stop"]')).to_be_visible()
    expect(status.locator('[data-action="retry"], [data-action="rerun"]')).to_have_count(0)
    # The same queued task, the server allowing retry instead of stop: the page follows the field.
    allowed = {**queued["actions"], "stop": False, "retry": True}
    body = json.dumps({**queued, "actions": allowed})
    page.route(
        f"**/api/v1/videos/{task_id}",
        lambda route: route.fulfill(status=200, content_type="application/json", body=body),
    )
    page.reload()
    expect(status.locator('[data-action="retry"]')).to_be_visible()
    expect(status.locator('[data-action="stop"]')).to_have_count(0)
    expect(page.locator("#task-state")).to_have_text("대기")
