"""Fixtures of the publishing tests: loopback fakes reached without proxies, one real MP4 per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from media_pipeline_tests.providers.conftest import _no_proxies  # noqa: F401  (autouse fixture)
from media_pipeline_tests.publishing.support import make_mp4


@pytest.fixture(scope="session")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1 s vertical MP4 made by ffmpeg."""
    return make_mp4(tmp_path_factory.mktemp("video") / "clip.mp4")
