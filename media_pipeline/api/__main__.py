"""``python -m media_pipeline.api``: serve the HTTP API with the ``MEDIA_PIPELINE_*`` settings (what
``media-pipeline api`` and ``media-pipeline up`` run)."""

from media_pipeline.api.server import serve
from media_pipeline.settings import get_settings

serve(get_settings())
