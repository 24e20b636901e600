"""S3-compatible object storage (AWS S3, MinIO, Cloudflare R2, ...) through boto3.

Why boto3: it is the reference S3 client, honours every standard AWS setting (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``, ``AWS_PROFILE``, config files, instance
roles), brings managed multipart transfers (``TransferConfig``), flexible checksums and retries with
backoff (``retries.mode=standard``), and presigning — obstore/fsspec would add a layer for no gain here.

Atomicity: an object appears under its key only when its single PUT or its CompleteMultipartUpload
succeeds; S3 never exposes a partial object, and an interrupted multipart upload leaves no object (its
parts are dropped by AbortMultipartUpload or the bucket's abort-incomplete-uploads lifecycle rule). So
outputs are uploaded straight to their final key: a temp key + CopyObject would transfer every byte twice
and need multipart copy above 5 GB, without making readers any safer.

Integrity: every PUT/part carries a CRC32 checksum that the server verifies before accepting it, and the
stored size is compared with the local file afterwards; downloads validate the checksum on the way in.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from media_pipeline.fsutil import atomic_path
from media_pipeline.liveness import Meter
from media_pipeline.storage.base import (
    SETTING,
    Storage,
    StorageConfigError,
    StorageKeyError,
    StoredObject,
    validate_key,
)

if TYPE_CHECKING:
    from boto3.s3.transfer import TransferConfig

_CREDENTIAL_SETTINGS = "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)"
_MISSING_BUCKET = {"404", "NoSuchBucket", "NotFound"}
_BAD_CREDENTIALS = {"403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "Forbidden"}


def parse_s3_url(url: str) -> tuple[str, str]:
    """``(bucket, prefix)`` of ``s3://bucket/prefix``; the prefix is '' or ends with '/'."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise StorageConfigError(f"{SETTING}={url!r} is not of the form s3://bucket/prefix")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


class S3Storage(Storage):
    """Task files as objects ``<prefix><key>`` in one (private) bucket."""

    def __init__(
        self,
        url: str,
        *,
        path_style: bool = False,
        chunk_bytes: int = 8 * 1024 * 1024,
        public_endpoint_url: str | None = None,
        max_attempts: int = 5,
    ) -> None:
        import boto3
        from boto3.s3.transfer import TransferConfig

        self.url = url
        self.bucket, self.prefix = parse_s3_url(url)
        session = boto3.session.Session()
        self._client = session.client("s3", config=self._config(path_style, max_attempts))
        # Clients may reach the store by another name than the workers (docker network vs host).
        self._signer = (
            session.client("s3", endpoint_url=public_endpoint_url, config=self._config(path_style, 1))
            if public_endpoint_url
            else self._client
        )
        self._transfer: TransferConfig = TransferConfig(
            multipart_threshold=chunk_bytes, multipart_chunksize=chunk_bytes, max_concurrency=4
        )

    @staticmethod
    def _config(path_style: bool, max_attempts: int) -> Any:
        from botocore.config import Config

        return Config(
            signature_version="s3v4",
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=5,
            read_timeout=60,
            s3={"addressing_style": "path" if path_style else "auto"},
            request_checksum_calculation="when_supported",
            response_checksum_validation="when_supported",
        )

    def _key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def check(self) -> None:
        """HEAD the bucket; unreachable endpoint, missing bucket and rejected credentials each get a
        message naming the setting to fix."""
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            EndpointConnectionError,
            NoCredentialsError,
        )

        endpoint = self._client.meta.endpoint_url
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except NoCredentialsError as exc:
            raise StorageConfigError(f"no credentials for {self.url}: set {_CREDENTIAL_SETTINGS}") from exc
        except EndpointConnectionError as exc:
            raise StorageConfigError(
                f"cannot reach the object store at {endpoint} for {SETTING}={self.url}: "
                f"check AWS_ENDPOINT_URL ({exc})"
            ) from exc
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _MISSING_BUCKET:
                raise StorageConfigError(
                    f"bucket {self.bucket!r} of {SETTING}={self.url} does not exist at {endpoint}"
                ) from exc
            if code in _BAD_CREDENTIALS:
                raise StorageConfigError(
                    f"the object store at {endpoint} rejected the credentials for bucket {self.bucket!r} "
                    f"({code}): check {_CREDENTIAL_SETTINGS}"
                ) from exc
            raise StorageConfigError(f"{SETTING}={self.url}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageConfigError(f"{SETTING}={self.url} (endpoint {endpoint}): {exc}") from exc

    def upload(self, local: Path, key: str) -> None:
        """Upload ``local`` (multipart above the chunk size, CRC32 per part) and check the stored size.

        Multipart uploads of this key left by a failed attempt are aborted first, and a failed upload's are
        aborted at once when the endpoint answers (docs/ARCHITECTURE.md, liveness: outages), so an outage
        never leaves orphan parts behind once the upload has gone through. Bytes sent move the worker's
        liveness mark."""
        target = self._key(key)
        self._abort_incomplete(target)
        meter = Meter(f"uploaded {key}", "bytes")
        try:
            self._client.upload_file(
                str(local),
                self.bucket,
                target,
                ExtraArgs={"ChecksumAlgorithm": "CRC32"},
                Config=self._transfer,
                Callback=meter.add,
            )
        except Exception:
            with contextlib.suppress(Exception):  # the endpoint may still be down: the retry aborts them
                self._abort_incomplete(target)
            raise
        stored = self._client.head_object(Bucket=self.bucket, Key=target)["ContentLength"]
        expected = local.stat().st_size
        if stored != expected:
            self._client.delete_object(Bucket=self.bucket, Key=target)
            raise OSError(f"s3://{self.bucket}/{target} holds {stored} bytes, uploaded {expected}")

    def _abort_incomplete(self, target: str) -> None:
        """Abort the unfinished multipart uploads of exactly ``target``."""
        listing = self._client.list_multipart_uploads(Bucket=self.bucket, Prefix=target)
        for upload in listing.get("Uploads", []):
            if upload["Key"] == target:
                self._client.abort_multipart_upload(
                    Bucket=self.bucket, Key=target, UploadId=upload["UploadId"]
                )

    def download(self, key: str, local: Path) -> Path:
        """Download to a temp file beside ``local``, then rename."""
        from botocore.exceptions import ClientError

        with atomic_path(local) as tmp:
            try:
                self._client.download_file(self.bucket, self._key(key), str(tmp), Config=self._transfer)
            except ClientError as exc:
                if str(exc.response.get("Error", {}).get("Code")) in _MISSING_BUCKET | {"NoSuchKey"}:
                    raise StorageKeyError(f"{key} not found in {self.url}") from exc
                raise
        return local

    def exists(self, key: str) -> bool:
        """HEAD the object."""
        from botocore.exceptions import ClientError

        try:
            self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _MISSING_BUCKET | {"NoSuchKey"}:
                return False
            raise
        return True

    def list_objects(self, prefix: str) -> list[StoredObject]:
        """Objects below folder ``prefix`` (ListObjectsV2, all pages)."""
        folder = self._key(prefix).rstrip("/") + "/"
        found: list[StoredObject] = []
        for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=folder):
            found += [
                StoredObject(item["Key"][len(self.prefix) :], item["Size"], item["LastModified"])
                for item in page.get("Contents", [])
            ]
        return sorted(found, key=lambda item: item.key)

    def delete(self, keys: list[str]) -> None:
        """DeleteObjects in batches of 1000."""
        for start in range(0, len(keys), 1000):
            batch = [{"Key": self._key(key)} for key in keys[start : start + 1000]]
            self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def move(self, source: str, target: str) -> None:
        """Server-side copy (managed: multipart above the chunk size), then delete the source."""
        self._client.copy(
            {"Bucket": self.bucket, "Key": self._key(source)}, self.bucket, self._key(target),
            Config=self._transfer,
        )  # fmt: skip
        self._client.delete_object(Bucket=self.bucket, Key=self._key(source))

    def presigned_url(self, key: str, expires_s: int) -> str:
        """A presigned GET URL valid for ``expires_s`` seconds."""
        url: str = self._signer.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._key(key)}, ExpiresIn=expires_s
        )
        return url

    def uri(self, key: str) -> str:
        """``s3://bucket/prefix/key`` (not a download URL: the bucket is private)."""
        return f"s3://{self.bucket}/{self._key(key)}"

    def local_path(self, key: str) -> None:
        """None: objects are not files on this machine."""
        return None
