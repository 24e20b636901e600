"""HTTP API (FastAPI, served by uvicorn) over the same services as the Python API.

Entry points: ``app.create_app(settings, *, engine_url=None, run_control_factory=None)``,
``server.serve(settings)`` (uvicorn on ``api_host:api_port``, JSON logs) and
``python -m media_pipeline.api`` (the same, with the settings it reads from the environment: the API's
only ``get_settings()``); tokens are minted by
``media_pipeline.usecases_tokens.mint_token``. The OpenAPI document is at
``/openapi.json`` (docs at ``/docs``); routes live in ``routes_*.py`` and ``ws_progress*.py``. Commands go
through ``media_pipeline.usecases`` (shared with the CLI), reads through the store's services.
"""
