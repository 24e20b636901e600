"""Pieces of the performance store that need no database: the video id of each YouTube URL form and the
first line length buckets of the summary."""

from __future__ import annotations

import pytest

from media_pipeline.domain.performance import length_bucket
from media_pipeline.store.performance import youtube_video_id


@pytest.mark.parametrize(
    ("url", "video_id"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://www.youtube.com/watch?feature=share&v=abc-_1", "abc-_1"),
        ("https://youtu.be/abc123", "abc123"),
        ("https://www.youtube.com/shorts/xyz789", "xyz789"),
        ("https://www.youtube.com/channel/UC123", None),
        ("https://youtu.be/", None),
        ("file:///var/published/t1/video.mp4", None),
    ],
)
def test_the_video_id_of_each_youtube_url_form(url: str, video_id: str | None) -> None:
    assert youtube_video_id(url) == video_id


def test_first_line_length_buckets() -> None:
    assert [length_bucket(n) for n in (0, 20, 21, 50, 51, 300)] == [
        "short",
        "short",
        "medium",
        "medium",
        "long",
        "long",
    ]
