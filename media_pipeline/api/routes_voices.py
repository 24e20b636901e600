"""Cloned voices (``/api/voices``; docs/ARCHITECTURE.md §12): the voice provider's list, and instant voice
cloning from an uploaded sample, refused (422) without the speaker's consent: their name, the statement
they agreed to and ``consent=true``; the consent is recorded with the time and the user who recorded it.
A clone's ``voice`` (``elevenlabs:<voiceId>``) goes into a task's or a channel's ``voice`` setting."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from media_pipeline.api.deps import Context, ReadOwner, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.schemas import ApiModel, Items
from media_pipeline.api.uploads import upload_errors
from media_pipeline.store import ClonedVoiceView

router = APIRouter(prefix="/api/voices", tags=["voices"], responses=responses(400, 401, 403, 409, 422, 503))


class ClonedVoice(ApiModel):
    """A cloned voice with its recorded consent."""

    id: str
    name: str
    voice: str
    provider_voice_id: str
    consent_by: str
    consent_statement: str
    consent_at: datetime
    recorded_by: str
    created_at: datetime


class ProviderVoiceOut(ApiModel):
    """A voice of the provider account (premade or cloned)."""

    voice: str
    voice_id: str
    name: str
    category: str


def _out(view: ClonedVoiceView) -> ClonedVoice:
    return ClonedVoice.model_validate(
        {**view.model_dump(exclude={"user_id"}), "voice": view.voice, "recorded_by": view.user_id}
    )


@router.get("", summary="The workspace's cloned voices with their consent records")
def list_voices(context: Context, owner: ReadOwner) -> Items[ClonedVoice]:
    return Items[ClonedVoice](items=[_out(view) for view in context.voices(owner).voices.list()])


@router.get("/provider", summary="The voices of the provider account (409 not configured, 503 unreachable)")
def provider_voices(context: Context, owner: ReadOwner) -> Items[ProviderVoiceOut]:
    voices = context.voices(owner).provider_voices()
    return Items[ProviderVoiceOut](
        items=[
            ProviderVoiceOut(
                voice=f"elevenlabs:{v.voice_id}", voice_id=v.voice_id, name=v.name, category=v.category
            )
            for v in voices
        ]
    )


@router.post(
    "",
    status_code=201,
    responses=responses(413),
    form_limits={"max_files": 1, "max_fields": 5},
    summary="Clone a voice from a sample (MP3, AAC, M4A or WAV) with the speaker's consent",
)
def clone_voice(
    file: Annotated[UploadFile, File(description="A recording of the speaker (5 s to 20 min)")],
    name: Annotated[str, Form(max_length=100)],
    consent_by: Annotated[str, Form(alias="consentBy", max_length=200, description="The speaker's name")],
    consent_statement: Annotated[
        str, Form(alias="consentStatement", max_length=2000, description="What the speaker agreed to")
    ],
    context: Context,
    owner: WriteOwner,
    consent: Annotated[bool, Form(description="The speaker gave their consent")] = False,
) -> ClonedVoice:
    with upload_errors():
        view = context.voices(owner).clone(name, consent_by, consent_statement, consent, file)
    return _out(view)
