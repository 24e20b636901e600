"""A real S3-protocol server on loopback for the tests: moto's server mode in a thread of the test process.

Run workers started by the Dagster daemon are separate processes; they reach it over HTTP like any S3
endpoint (``AWS_ENDPOINT_URL``).
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from media_pipeline_tests.net import free_port
from media_pipeline_tests.serving import listens, wait_for

TEST_REGION = "us-east-1"
TEST_ACCESS_KEY = "media-pipeline-test"
TEST_SECRET_KEY = "media-pipeline-test-secret"
_bucket_numbers = itertools.count()


@dataclass(frozen=True)
class S3Server:
    """Endpoint of the running server and the environment that points boto3 at it."""

    endpoint_url: str

    def env(self) -> dict[str, str]:
        """AWS_* variables for this endpoint with fixed test credentials (no profile/config files)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": TEST_SECRET_KEY,
            "AWS_REGION": TEST_REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self):  # type: ignore[no-untyped-def]
        """A boto3 S3 client of this server (for test set-up and inspection)."""
        import boto3

        env = self.env()
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=TEST_REGION,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )

    def create_bucket(self) -> str:
        """A new, empty, private bucket; returns its name."""
        name = f"media-pipeline-test-{os.getpid()}-{next(_bucket_numbers)}"
        self.client().create_bucket(Bucket=name)
        return name


@contextmanager
def s3_server() -> Iterator[S3Server]:
    """Start moto's S3 server on a free loopback port; stop it on exit."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()


@contextmanager
def authenticating_s3_server() -> Iterator[S3Server]:
    """moto's S3 server in a child process that checks every request's credentials against its (empty)
    IAM, so any access key is rejected like a wrong one on a real store."""
    port = free_port()
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(lambda: listens(port), timeout=60, what="moto's S3 server", process=proc)
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
