"""Chooses the script writer from settings: the offline template writer (default) or an LLM endpoint."""

from __future__ import annotations

from media_pipeline.errors import ProviderNotConfiguredError
from media_pipeline.providers.base import ScriptWriter
from media_pipeline.settings import Settings

SCRIPT_WRITERS = ("template", "llm")


def build_script_writer(settings: Settings) -> ScriptWriter:
    """``template`` → the media core's TemplateScriptWriter; ``llm`` → OpenAICompatibleScriptWriter.

    Raises ProviderNotConfiguredError for ``llm`` without ``MEDIA_PIPELINE_LLM_BASE_URL`` and for an
    unknown writer name.
    """
    choice = settings.script_writer.strip().lower()
    if choice == "template":
        from media_pipeline.media.script import TemplateScriptWriter

        return TemplateScriptWriter()
    if choice == "llm":
        from media_pipeline.providers.llm import OpenAICompatibleScriptWriter

        return OpenAICompatibleScriptWriter(settings)
    raise ProviderNotConfiguredError(
        f"unknown script writer {settings.script_writer!r}; MEDIA_PIPELINE_SCRIPT_WRITER must be one of "
        + ", ".join(SCRIPT_WRITERS)
    )
