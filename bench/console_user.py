"""Virtual users of the API load benchmark (issue 27 item 3): a ``ConsoleUser`` opens the console's pages the
way the browser does, a ``StressUser`` sends one request per action (the first load model, ``--stress``).

What a page view requests is read from ``media_pipeline/console/static``: every route redraws the page
chrome (``app.js`` ``renderChrome``: the queue drawer's badge reads ``GET /api/queue`` then its jobs,
``views/drawer.js``; the header balance ``GET /api/v1/credits``, ``views/credits.js``), and the page its own
requests, concurrently as the browser sends them (at most ``BROWSER_CONNECTIONS`` at a time, a browser's
HTTP/1.1 connections per host):

- library (the landing page, ``views/library.js``): ``GET /api/library`` (24 items), then every card's cover
  that this browser has not kept yet (a versioned ``coverUrl``, ``immutable``), except the generated
  placeholders (``cover: "placeholder"``), which the page draws itself;
- queue (``views/queue.js``): ``GET /api/queue``, then its jobs; on a change (add, bulk patch, reorder, Run,
  delete: the only writes modelled) the change and the same reload (a Run also re-reads the balance);
- automation (``views/automation.js``): the tabs, scheduled videos and reviews, and the log viewer
  (``views/logs.js``, 200 rows); the page refreshes the first three every ``AUTOMATION_REFRESH_S`` while open;
- task page (``views/task.js``): the video, then its files, then its credits usage (in sequence), the video
  again for the title, and its logs; a running task's page moves its bar with every progress event and
  reloads the sequence when an event brings a new status, stage or generation, i.e. about every
  ``TASK_RELOAD_S``;
- contents (``views/contents.js``): ``GET /api/contents`` (20 items) and the 28-day performance summary.

The progress WebSockets the automation and task pages open are the benchmark's separate subscribers.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

THINK_MEAN_S = 7.0
"""Mean pause of a person between two page views (negative exponential), TPC-W's emulated browser."""
THINK_MAX_S = 70.0
"""Longest pause (TPC-W truncates its think time at ten times the mean)."""
BROWSER_CONNECTIONS = 6
"""Concurrent connections of a browser to one host (HTTP/1.1)."""
AUTOMATION_REFRESH_S = 10.0
"""``REFRESH_MS`` of ``views/automation.js``."""
TASK_RELOAD_S = 10.0
"""A running task's page reloads this often: on each new stage or status, i.e. six times (five stages, then
the final status) in the ~60 s of one short through the daemon (bench/README.md, "Orchestration")."""
PAGES = {"library": 25, "queue": 20, "automation": 20, "task": 25, "contents": 10}
"""How often a page is opened (weights); every session starts on the library, the landing page."""
CHANGE_SHARE = 0.3
"""Share of queue page views followed by one change of the queue."""
CHANGES = {"add": 3, "patch": 2, "reorder": 1, "run": 1, "delete": 1}
RUNNING_TASK_SHARE = 0.3
"""Share of task page views that open the workspace's running task (the others: any of its tasks)."""
STRESS_THINK_S = 1.0
"""``--stress``: mean pause (exponential) between two single requests."""
STRESS_READS = {
    "queue": 10,
    "queue jobs": 20,
    "videos": 15,
    "tabs": 15,
    "task page": 15,
    "progress": 10,
    "logs": 10,
    "contents": 10,
    "plan": 3,
    "credits": 2,
}
STRESS_WRITES = {"add": 3, "patch": 2, "reorder": 1, "run": 1, "delete": 1}


@dataclass
class Workspace:
    """A seeded workspace: its user, queue and tasks."""

    username: str
    task_ids: list[str]
    running_id: str


@dataclass
class Recorder:
    """Latencies (ms) per request and per page view, errors, and event delivery delays (s)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    writes: set[str] = field(default_factory=set)
    """Names of the requests that change something (not GET)."""
    pages: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    delivery_s: list[float] = field(default_factory=list)
    events: int = 0

    def error(self, name: str, detail: str) -> None:
        """Count an error of ``name`` and keep the first few for the report."""
        self.errors[name] += 1
        if len(self.error_samples) < 10:
            self.error_samples.append(f"{name}: {detail[:200]}")


class VirtualUser:
    """One signed-in user of one workspace: timed requests and sign-in."""

    def __init__(
        self, client: httpx.AsyncClient, workspace: Workspace, recorder: Recorder, seed: int
    ) -> None:
        self.client = client
        self.workspace = workspace
        self.recorder = recorder
        self.random = random.Random(seed)
        self.queue_id = ""
        self.added = 0

    async def call(self, name: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        """One timed request; a 5xx, a transport error or an unexpected 4xx counts as an error."""
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self.recorder.error(name, repr(exc))
            return None
        self.recorder.latencies[name].append((time.perf_counter() - started) * 1000)
        if method != "GET":
            self.recorder.writes.add(name)
        if response.status_code >= 400:
            self.recorder.error(name, f"{response.status_code} {response.text}")
            return None
        return response

    async def sign_in(self, password: str) -> str:
        """Sign in and read the default queue, as the console does on load; the access token."""
        body = {"username": self.workspace.username, "password": password}
        response = await self.call("sign in", "POST", "/api/auth/login", json=body)
        if response is None:
            raise RuntimeError(f"{self.workspace.username} could not sign in")
        token: str = response.json()["accessToken"]
        self.client.headers["Authorization"] = f"Bearer {token}"
        queue = await self.call("queue", "GET", "/api/queue")
        assert queue is not None
        self.queue_id = queue.json()["id"]
        return token

    async def queue_jobs(self) -> dict[str, Any] | None:
        """The queue, then its drafts (``views/queue.js`` ``load``, also the drawer badge): the jobs body."""
        queue = await self.call("queue", "GET", "/api/queue")
        if queue is None:
            return None
        listing = await self.call("queue jobs", "GET", f"/api/queue/{queue.json()['id']}/jobs")
        return None if listing is None else dict(listing.json())

    async def change(self, name: str, listing: dict[str, Any]) -> None:
        """One change of the queue the console makes, based on the drafts and version it shows."""
        drafts = [job["id"] for job in listing["jobs"]]
        version = listing["version"]
        jobs = f"/api/queue/{self.queue_id}/jobs"
        if name == "add" or not drafts:
            self.added += 1
            asset = f"{self.workspace.username}-new-{self.added:05d}"
            await self.call("add", "POST", jobs, json={"assetIds": [asset], "version": version})
        elif name == "patch":
            chosen = self.random.sample(drafts, min(3, len(drafts)))
            patch = {"jobIds": chosen, "optionsPartial": {"privacy": "unlisted"}, "version": version}
            await self.call("patch", "PATCH", f"{jobs}/bulk", json=patch)
        elif name == "reorder":
            order = drafts[1:] + drafts[:1]
            await self.call(
                "reorder", "PATCH", f"{jobs}/reorder", json={"orderedJobIds": order, "version": version}
            )
        elif name == "run":
            body = {"jobIds": drafts[:1], "version": version}
            await self.call("run", "POST", f"/api/queue/{self.queue_id}/run", json=body)
        else:
            body = {"jobIds": drafts[-1:], "version": version}
            await self.call("delete", "DELETE", f"{jobs}/bulk", json=body)


class ConsoleUser(VirtualUser):
    """Opens console pages with a person's think time between them (see the module docstring)."""

    opened_task = ""
    """The task of the last task page view."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cached: set[str] = set()
        """Cover URLs in this browser's cache."""

    async def act(self, stop_at: float) -> None:
        """After one think time (users arrive spread out, not all at once), open the library, then pages
        chosen by ``PAGES``, until ``stop_at``."""
        page = "library"
        names, weights = list(PAGES), list(PAGES.values())
        await self.until(min(stop_at, time.monotonic() + self.think()))
        while time.monotonic() < stop_at:
            listing = await self.view(page, self.page(page))
            dwell_until = min(stop_at, time.monotonic() + self.think())
            if page == "queue" and listing and self.random.random() < CHANGE_SHARE:
                await self.until(min(dwell_until, time.monotonic() + self.think()))
                if time.monotonic() < stop_at:
                    await self.view("queue change", self.queue_change(listing), chrome=False)
            refresh = self.refresher(page)
            if refresh is not None:
                await self.refreshing(*refresh, dwell_until)
            else:
                await self.until(dwell_until)
            page = self.random.choices(names, weights)[0]

    def think(self) -> float:
        """A person's pause (s) after a page has appeared."""
        return min(THINK_MAX_S, self.random.expovariate(1 / THINK_MEAN_S))

    async def until(self, moment: float) -> None:
        """Wait (think) until ``moment`` (``time.monotonic``)."""
        await asyncio.sleep(max(0.0, moment - time.monotonic()))

    async def view(self, name: str, requests: Awaitable[Any], *, chrome: bool = True) -> Any:
        """A page view (with the chrome unless ``chrome`` is false: an action on an open page) timed until
        every request has answered; the result of ``requests``."""
        started = time.perf_counter()
        if chrome:
            *_, result = await asyncio.gather(
                self.queue_jobs(), self.call("credits", "GET", "/api/v1/credits"), requests
            )
        else:
            result = await requests
        self.recorder.pages[name].append((time.perf_counter() - started) * 1000)
        return result

    async def page(self, name: str) -> dict[str, Any] | None:
        """The page's own requests; the queue page answers its jobs listing (for a change)."""
        if name == "library":
            await self.library()
        elif name == "queue":
            return await self.queue_jobs()
        elif name == "automation":
            await asyncio.gather(self.tabs(), self.call("logs", "GET", "/api/automation/logs?limit=200"))
        elif name == "task":
            await self.task(self.task_id())
        else:
            await asyncio.gather(
                self.call("contents", "GET", "/api/contents?limit=20&offset=0"),
                self.call("performance", "GET", "/api/performance/summary?days=28"),
            )
        return None

    async def library(self) -> None:
        """The library grid: the first page of items, then at once every card's cover the browser does not
        hold yet (``coverUrl`` names the version and its answer is ``immutable``) and does not draw itself
        (the generated placeholder)."""
        listing = await self.call("library", "GET", "/api/library?limit=24&offset=0")
        if listing is None:
            return
        covers = [
            url
            for item in listing.json()["items"]
            if item["cover"] != "placeholder" and (url := item["coverUrl"]) not in self.cached
        ]
        fetched = await asyncio.gather(*(self.call("cover", "GET", url) for url in covers))
        self.cached.update(url for url, response in zip(covers, fetched, strict=True) if response is not None)

    async def tabs(self) -> None:
        """The automation page's three lists (also its periodic refresh)."""
        await asyncio.gather(
            self.call("tabs", "GET", "/api/automation/tabs"),
            self.call("scheduled", "GET", "/api/v1/videos?status=scheduled"),
            self.call("reviews", "GET", "/api/v1/reviews"),
        )

    def task_id(self) -> str:
        """The task whose page is opened."""
        if self.random.random() < RUNNING_TASK_SHARE:
            return self.workspace.running_id
        return self.random.choice(self.workspace.task_ids)

    async def task(self, task_id: str) -> None:
        """The task page: the title, the status card's sequence and the task's logs."""
        self.opened_task = task_id
        await asyncio.gather(
            self.call("video", "GET", f"/api/v1/videos/{task_id}"),
            self.task_status(task_id),
            self.call("logs", "GET", f"/api/automation/logs?limit=200&taskId={task_id}"),
        )

    async def task_status(self, task_id: str) -> None:
        """``views/task.js`` ``load``: the video, its files, its credits usage, one after the other."""
        for name, path in (
            ("video", f"/api/v1/videos/{task_id}"),
            ("files", f"/api/v1/videos/{task_id}/files"),
            ("usage", f"/api/v1/credits/usage?videoId={task_id}"),
        ):
            if await self.call(name, "GET", path) is None:
                return

    def refresher(self, page: str) -> tuple[float, Callable[[], Awaitable[None]]] | None:
        """What an open page re-requests by itself, and how often; None if nothing."""
        if page == "automation":
            return AUTOMATION_REFRESH_S, self.tabs
        if page == "task" and self.opened_task == self.workspace.running_id:
            running = self.workspace.running_id
            return TASK_RELOAD_S, lambda: self.task_status(running)
        return None

    async def refreshing(
        self, every_s: float, refresh: Callable[[], Awaitable[None]], dwell_until: float
    ) -> None:
        """Stay on the page until ``dwell_until`` while it refreshes itself every ``every_s``."""
        while (next_at := time.monotonic() + every_s) < dwell_until:
            await self.until(next_at)
            await refresh()
        await self.until(dwell_until)

    async def queue_change(self, listing: dict[str, Any]) -> None:
        """A change on the queue page, then the page's reload (and the balance after a Run)."""
        name = self.random.choices(list(CHANGES), list(CHANGES.values()))[0]
        await self.change(name, listing)
        reload: list[Awaitable[Any]] = [self.queue_jobs()]
        if name == "run":
            reload.append(self.call("credits", "GET", "/api/v1/credits"))
        await asyncio.gather(*reload)


class StressUser(VirtualUser):
    """``--stress``: one request per action, ``STRESS_THINK_S`` mean pause (the first load model)."""

    async def act(self, stop_at: float) -> None:
        """Think, then do one action, until ``stop_at``."""
        names = list(STRESS_READS) + list(STRESS_WRITES)
        weights = list(STRESS_READS.values()) + list(STRESS_WRITES.values())
        while True:
            await asyncio.sleep(self.random.expovariate(1 / STRESS_THINK_S))
            if time.monotonic() >= stop_at:
                return
            name = self.random.choices(names, weights)[0]
            await (self.write(name) if name in STRESS_WRITES else self.read(name))

    async def read(self, name: str) -> None:
        """One read the console makes on its pages."""
        task = self.random.choice(self.workspace.task_ids)
        paths = {
            "queue": "/api/queue",
            "queue jobs": f"/api/queue/{self.queue_id}/jobs",
            "videos": "/api/v1/videos?limit=50",
            "tabs": "/api/automation/tabs?limit=100",
            "task page": f"/api/v1/videos/{task}",
            "progress": f"/api/v1/videos/{self.workspace.running_id}/progress",
            "logs": f"/api/automation/logs?taskId={task}&limit=100",
            "contents": "/api/contents?limit=50",
            "plan": "/api/workspace/plan",
            "credits": "/api/v1/credits",
        }
        await self.call(name, "GET", paths[name])

    async def write(self, name: str) -> None:
        """One queue change (the console reads the queue's drafts and version first)."""
        listing = await self.call("queue jobs", "GET", f"/api/queue/{self.queue_id}/jobs")
        if listing is not None:
            await self.change(name, listing.json())
