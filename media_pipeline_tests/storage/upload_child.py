"""Child process of the kill-mid-upload test: uploads a file through S3Storage, and after the first
multipart part reached the server writes a marker file and blocks until it is killed."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from media_pipeline.settings import Settings
from media_pipeline.storage import open_storage


def main() -> None:
    source, key, marker = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    storage = open_storage(Settings())
    blocked = threading.Event()

    def after_part(**_kwargs: object) -> None:
        marker.write_text("part uploaded")
        blocked.wait()  # never set: the test kills this process here, mid-upload

    storage._client.meta.events.register("after-call.s3.UploadPart", after_part)  # type: ignore[attr-defined]
    storage.upload(source, key)


if __name__ == "__main__":
    main()
