"""Child process of the crash test: makes a task's paid images (``db_url data_dir images_url task_id``)."""

from __future__ import annotations

import sys
from pathlib import Path

from media_pipeline_tests.orchestration.paid_support import make_images, paid_settings

if __name__ == "__main__":
    db_url, data_dir, images_url, task_id = sys.argv[1:5]
    make_images(db_url, paid_settings(Path(data_dir), images_url), task_id)
