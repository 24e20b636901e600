"""``python -m media_pipeline_tests.publishing.child CONFIG``: one publish attempt in its own process (a run
worker), so a test can kill it with SIGKILL at a chosen point."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from media_pipeline_tests.publishing.support import publishing, request_from_config


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text())
    settings, request = request_from_config(config)
    now = datetime.fromisoformat(config["now"])
    report = publishing(settings, config["db_url"], lambda: now).run(request)
    print(report.summary)


if __name__ == "__main__":
    main()
