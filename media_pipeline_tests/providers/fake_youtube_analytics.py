"""A loopback fake of the YouTube Analytics API v2, driven through the real google-api-python-client.

It serves the discovery document (google-api-python-client's bundled ``youtubeAnalytics.v2.json`` with
``rootUrl`` pointing here) at ``/$discovery/rest?version=v2`` and answers ``GET /v2/reports`` like the
real ``reports.query``: a bearer token from the OAuth fake (``FakeYouTube``'s token endpoint) is required;
``ids``, ``startDate``, ``endDate`` and ``metrics`` are required; dates are ``YYYY-MM-DD`` with start not
after end; only known metrics, the ``day`` dimension and ``video==ID`` filters are accepted; the answer is
a ``youtubeAnalytics#resultTable`` with ``columnHeaders`` (dimensions first, then metrics in the order
asked) and ``rows`` (omitted when there is no data). ``quota_exceeded`` answers 403 ``quotaExceeded``.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import googleapiclient

from media_pipeline_tests.providers.fake_youtube import FakeYouTube, google_error
from media_pipeline_tests.providers.fakeserver import Recorded, Reply

REPORTS_PATH = "/v2/reports"
DISCOVERY_PATH = "/$discovery/rest"
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
IDS_RE = re.compile(r"[a-zA-Z]+==[a-zA-Z0-9_+-]+")
INTEGER_METRICS = ("views", "likes", "comments", "shares", "subscribersGained")
FLOAT_METRICS = ("estimatedMinutesWatched", "averageViewDuration", "averageViewPercentage")
REQUIRED = ("ids", "startDate", "endDate", "metrics")


def bundled_discovery() -> dict[str, Any]:
    """The discovery document google-api-python-client ships for youtubeAnalytics v2."""
    folder = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
    return json.loads((folder / "youtubeAnalytics.v2.json").read_text(encoding="utf-8"))


class FakeYouTubeAnalytics(FakeYouTube):
    """The OAuth endpoints of :class:`FakeYouTube` plus ``reports.query``; ``days[video_id][day]`` holds
    the metrics reported for a video on a day (missing metrics are 0)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.days: dict[str, dict[date, dict[str, float]]] = {}
        self.quota_exceeded = False
        self.queries: list[dict[str, str]] = []

    def set_day(self, video_id: str, day: date, **metrics: float) -> None:
        """What the API reports for ``video_id`` on ``day`` (replacing an earlier value)."""
        self.days.setdefault(video_id, {})[day] = metrics

    def __call__(self, request: Recorded) -> Reply:
        if request.path == DISCOVERY_PATH:
            document = bundled_discovery()
            document["rootUrl"] = f"{self.base_url}/"
            return Reply.json(document)
        if request.path != REPORTS_PATH:
            return super().__call__(request)
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
            return google_error(401, "authError", "Invalid Credentials")
        if self.quota_exceeded:
            return _usage_error(
                "quotaExceeded", "The request cannot be completed because you have exceeded your quota."
            )
        problem = _invalid(request.query)
        if problem:
            return google_error(400, "badRequest", problem)
        self.queries.append(dict(request.query))
        return Reply.json(self._report(request.query))

    def _report(self, query: dict[str, str]) -> dict[str, Any]:
        metrics = query["metrics"].split(",")
        dimensions = [d for d in query.get("dimensions", "").split(",") if d]
        headers = [{"name": d, "columnType": "DIMENSION", "dataType": "STRING"} for d in dimensions] + [
            {
                "name": m,
                "columnType": "METRIC",
                "dataType": "INTEGER" if m in INTEGER_METRICS else "FLOAT",
            }
            for m in metrics
        ]
        start, end = date.fromisoformat(query["startDate"]), date.fromisoformat(query["endDate"])
        video = query.get("filters", "").removeprefix("video==")
        days = sorted(d for d in self.days.get(video, {}) if start <= d <= end)
        rows = [
            [*([day.isoformat()] if dimensions else []), *(self.days[video][day].get(m, 0) for m in metrics)]
            for day in days
        ]
        response: dict[str, Any] = {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers}
        if rows:
            response["rows"] = rows
        return response


def _usage_error(reason: str, message: str) -> Reply:
    error = {
        "code": 403,
        "message": message,
        "errors": [{"message": message, "domain": "usageLimits", "reason": reason}],
    }
    return Reply.json({"error": error}, status=403)


def _invalid(query: dict[str, str]) -> str | None:
    """What the real service would refuse in the query (None: acceptable)."""
    for name in REQUIRED:
        if not query.get(name):
            return f"Required property {name} is missing."
    if not IDS_RE.fullmatch(query["ids"]):
        return f"Invalid value '{query['ids']}'. Value must match the pattern: [a-zA-Z]+==[a-zA-Z0-9_+-]+"
    for name in ("startDate", "endDate"):
        if not DATE_RE.fullmatch(query[name]):
            return f"Invalid value '{query[name]}' for {name}. Value must be in YYYY-MM-DD format."
        try:
            date.fromisoformat(query[name])
        except ValueError:
            return f"Invalid date '{query[name]}' for {name}."
    if query["startDate"] > query["endDate"]:
        return "The start date must not be later than the end date."
    unknown = [m for m in query["metrics"].split(",") if m not in (*INTEGER_METRICS, *FLOAT_METRICS)]
    if unknown:
        return f"Unknown identifier ({unknown[0]}) given in field parameters.metrics."
    if query.get("dimensions", "day") != "day":
        return f"The query is not supported: dimensions {query['dimensions']}"
    if query.get("filters") and not query["filters"].startswith("video=="):
        return f"The query is not supported: filters {query['filters']}"
    return None
