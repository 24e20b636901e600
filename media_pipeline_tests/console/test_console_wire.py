"""One wire format per page: ESLint (``eslint.config.mjs``) refuses v2 routes and the v2 socket in the
console's code, so a page cannot mix them with v1; every page speaks v1 today."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VIEW = "media_pipeline/console/static/views/probe.js"
V1 = "export const video = (id) => `/api/v1/videos/${id}`;\n"


def _eslint(source: str) -> subprocess.CompletedProcess[str]:
    npx = shutil.which("npx")
    assert npx, "Node.js (npx) runs ESLint (make test)"
    return subprocess.run(
        [npx, "--no-install", "eslint", "--stdin", "--stdin-filename", VIEW],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize(
    "v2",
    [
        'export const jobs = "/api/v2/videos/t1/render-jobs";\n',
        "export const jobs = (id) => `/api/v2/videos/${id}/render-jobs`;\n",
        "export const live = (id) => new WebSocket(`/ws/videos/${id}/render-progress`);\n",
    ],
)
def test_a_view_mixing_v1_and_v2_fails_the_lint(v2: str) -> None:
    assert _eslint(V1).returncode == 0
    mixed = _eslint(V1 + v2)
    assert mixed.returncode == 1, mixed.stdout + mixed.stderr
    assert "The console speaks v1 only" in mixed.stdout
