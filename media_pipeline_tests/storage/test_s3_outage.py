"""The S3 endpoint down for 30 s in the middle of a multipart upload (docs/ARCHITECTURE.md, liveness:
outages): the upload fails as a transient error, its orphan parts stay on the server only until the retry,
which aborts them, uploads the object once and leaves no incomplete multipart upload behind."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from media_pipeline.liveness import current
from media_pipeline.retry_policy import classify
from media_pipeline.storage.s3 import S3Storage
from media_pipeline_tests.outage_proxy import OutageProxy
from media_pipeline_tests.s3server import S3Server

pytestmark = pytest.mark.slow

MiB = 1024 * 1024
OUTAGE_S = 30
KEY = "tasks/t/output.mp4"


def test_an_upload_cut_by_a_30_s_outage_is_retried_once_and_leaves_no_orphan_parts(
    tmp_path: Path, s3: S3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "output.mp4"
    source.write_bytes(os.urandom(12 * MiB))  # three 5 MiB parts
    endpoint = urlsplit(s3.endpoint_url)
    client = s3.client()  # straight to the server, past the outage
    with OutageProxy((endpoint.hostname or "127.0.0.1", endpoint.port or 80)) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        storage = S3Storage(f"s3://{s3_bucket}/p", path_style=True, chunk_bytes=5 * MiB, max_attempts=3)
        proxy.cut_on(b"partNumber=", OUTAGE_S)  # once the multipart upload exists, at its first part

        began = time.monotonic()
        with pytest.raises(Exception) as failure:
            storage.upload(source, KEY)
        assert proxy.down.is_set() and not proxy.up.is_set()  # it failed during the outage
        assert classify(failure.value).transient  # so the stage is retried by the policy
        orphans = client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", [])
        assert [upload["Key"] for upload in orphans] == [f"p/{KEY}"]  # its own abort could not get through

        assert proxy.up.wait(OUTAGE_S + 5)
        moves = current().moves
        storage.upload(source, KEY)  # the retry
        assert current().moves > moves and current().note.startswith(f"uploaded {KEY}")  # liveness
        assert time.monotonic() - began < OUTAGE_S + 60

    assert client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []
    listed = client.list_objects_v2(Bucket=s3_bucket, Prefix="p/")["Contents"]
    assert [(item["Key"], item["Size"]) for item in listed] == [(f"p/{KEY}", 12 * MiB)]
    stored = client.get_object(Bucket=s3_bucket, Key=f"p/{KEY}")["Body"].read()
    assert stored == source.read_bytes()
