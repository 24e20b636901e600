"""The console's Content-Security-Policy: beyond the API itself, only the object store's presigned origin
may be fetched (HLS segments, redirected downloads), and only when the task files are on object storage."""

from __future__ import annotations

from pathlib import Path

from media_pipeline.console.mount import console_csp, storage_origin
from media_pipeline.settings import Settings
from media_pipeline.storage import open_storage
from media_pipeline_tests.console.conftest import Console
from media_pipeline_tests.s3server import S3Server


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_object_storage_adds_exactly_its_presigned_origin(s3: S3Server, s3_bucket: str) -> None:
    storage = open_storage(_settings(storage_url=f"s3://{s3_bucket}/media", storage_s3_path_style=True))
    origin = storage_origin(storage)
    assert origin == s3.endpoint_url
    directives = dict(part.strip().split(" ", 1) for part in console_csp(origin).split(";"))
    assert directives["connect-src"] == f"'self' ws: wss: {origin}"
    assert directives["media-src"] == f"'self' blob: {origin}"
    assert "*" not in console_csp(origin)


def test_local_storage_allows_only_the_api(tmp_path: Path, console: Console) -> None:
    assert storage_origin(open_storage(_settings(storage_url=str(tmp_path / "files")))) is None
    with console.client(console.alice) as api:
        policy = api.get("/").headers["content-security-policy"]
    assert policy == console_csp(None)
    assert "connect-src 'self' ws: wss:;" in policy and "media-src 'self' blob:;" in policy
