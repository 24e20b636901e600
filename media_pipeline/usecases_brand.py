"""Brand kits of channels (docs/ARCHITECTURE.md §9, "Brand kits"): read and save a channel's kit, upload its
files (checked, stored under channel-scoped keys the server derives) and render its 3-second preview."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import BinaryIO

from media_pipeline.domain import CaptionPreset
from media_pipeline.domain.brand import BrandFile, BrandKit, StoredBrandFile, brand_key, brand_prefix
from media_pipeline.errors import PermanentError
from media_pipeline.media.brand import Logo
from media_pipeline.media.brand_files import BrandFileInvalid, check_clip, check_font, check_logo
from media_pipeline.media.brand_preview import PreviewInputs, render_preview
from media_pipeline.media.fonts import find_font
from media_pipeline.media.subtitles import AssColours
from media_pipeline.providers.uploads import sniff_clip_type
from media_pipeline.settings import Settings
from media_pipeline.storage import Storage
from media_pipeline.store.channels import ChannelService
from media_pipeline.store.errors import ValidationFailed

MAX_BYTES = {
    BrandFile.FONT: 20 * 1024 * 1024,
    BrandFile.LOGO: 5 * 1024 * 1024,
    BrandFile.INTRO: 50 * 1024 * 1024,
    BrandFile.OUTRO: 50 * 1024 * 1024,
}

# Previews render on the API's own CPUs: one at a time per process, later requests wait their turn.
_PREVIEW_SLOT = threading.Lock()


class BrandFileTooLarge(PermanentError):
    """An uploaded kit file is over its kind's size limit."""

    code = "PAYLOAD_TOO_LARGE"


def _invalid(kind: BrandFile, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, {"errors": [{"field": kind.value, "message": message, "type": "invalid"}]}
    )


def read_limited(stream: BinaryIO, limit: int) -> bytes:
    """At most ``limit`` bytes of ``stream``; :class:`BrandFileTooLarge` when there are more."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise BrandFileTooLarge(f"the file is larger than the limit of {limit} bytes", {"limit": limit})
    return data


class BrandKits:
    """The brand kits of the owner's workspace channels."""

    def __init__(self, channels: ChannelService, storage: Storage, settings: Settings) -> None:
        self.channels = channels
        self.storage = storage
        self.settings = settings

    def get(self, channel_setting_id: str) -> BrandKit:
        """The channel's kit (defaults when none was saved)."""
        return self.channels.brand_kit(channel_setting_id)

    def put(self, channel_setting_id: str, kit: BrandKit) -> BrandKit:
        """Save the kit's settings; its files stay those uploaded (a client cannot name stored files)."""
        current = self.channels.brand_kit(channel_setting_id)
        return self.channels.put_brand_kit(
            channel_setting_id, kit.model_copy(update={"files": current.files})
        )

    def upload(self, channel_setting_id: str, kind: BrandFile, stream: BinaryIO) -> BrandKit:
        """Check and store the kit's ``kind`` file (replacing the previous one): ValidationFailed (422)
        for a file that is not what ``kind`` needs, BrandFileTooLarge (413) over its limit."""
        current = self.channels.brand_kit(channel_setting_id)
        data = read_limited(stream, MAX_BYTES[kind])
        if not data:
            raise _invalid(kind, "the file is empty")
        try:
            stored = self._checked(channel_setting_id, kind, data)
        except BrandFileInvalid as exc:
            raise _invalid(kind, str(exc)) from exc
        self.storage.write_bytes(stored.key, data)
        previous = current.file_key(kind)
        if previous is not None and previous != stored.key:
            self.storage.delete([previous])
        files = {**current.files, kind: stored}
        return self.channels.put_brand_kit(channel_setting_id, current.model_copy(update={"files": files}))

    def remove_file(self, channel_setting_id: str, kind: BrandFile) -> BrandKit:
        """Remove the kit's ``kind`` file (the default font, no logo, no intro/outro from then on)."""
        current = self.channels.brand_kit(channel_setting_id)
        key = current.file_key(kind)
        if key is None:
            return current
        files = {name: stored for name, stored in current.files.items() if name is not kind}
        kit = self.channels.put_brand_kit(channel_setting_id, current.model_copy(update={"files": files}))
        self.storage.delete([key])
        return kit

    def forget(self, channel_setting_id: str) -> None:
        """Delete every stored file of a channel that was just deleted (its kit went with its row)."""
        self.storage.delete(self.storage.list_keys(brand_prefix(channel_setting_id)))

    def _checked(self, channel_setting_id: str, kind: BrandFile, data: bytes) -> StoredBrandFile:
        size = len(data)
        if kind is BrandFile.FONT:
            font = check_font(data)
            key = brand_key(channel_setting_id, kind, font.extension)
            return StoredBrandFile(key=key, size=size, family=font.family)
        if kind is BrandFile.LOGO:
            extension = check_logo(data)
            return StoredBrandFile(
                key=brand_key(channel_setting_id, kind, extension), size=size, image_format=extension
            )
        sniffed = sniff_clip_type(data[:64])
        if sniffed is None:  # sniffed before ffprobe reads it: no playlists or other demuxers
            raise BrandFileInvalid("the clip is not an MP4, MOV or WebM video")
        extension = sniffed[1].lstrip(".")
        with self._scratch() as tmp:
            local = Path(tmp) / f"clip.{extension}"
            local.write_bytes(data)
            duration = check_clip(local)
        return StoredBrandFile(
            key=brand_key(channel_setting_id, kind, extension), size=size, duration_s=round(duration, 3)
        )

    def _scratch(self) -> tempfile.TemporaryDirectory[str]:
        """A temporary folder under the configured scratch folder (created if missing)."""
        if self.settings.scratch_dir is not None:
            self.settings.scratch_dir.mkdir(parents=True, exist_ok=True)
        return tempfile.TemporaryDirectory(prefix="media-pipeline-brand-", dir=self.settings.scratch_dir)

    def preview(self, channel_setting_id: str, kit: BrandKit | None = None) -> bytes:
        """A 3-second MP4 of ``kit``'s settings (default: the saved kit) with the saved font and logo."""
        saved = self.channels.brand_kit(channel_setting_id)
        kit = (kit or saved).model_copy(update={"files": saved.files})
        with (
            _PREVIEW_SLOT,
            self._scratch() as tmp,
        ):
            work = Path(tmp)
            font_key, logo_key = kit.file_key(BrandFile.FONT), kit.file_key(BrandFile.LOGO)
            font = (
                self.storage.download(font_key, work / "font" / Path(font_key).name)
                if font_key
                else find_font(self.settings.font_path)
            )
            logo = self.storage.download(logo_key, work / Path(logo_key).name) if logo_key else None
            inputs = PreviewInputs(
                font=font,
                colours=AssColours.from_rgb(kit.text_colour, kit.highlight_colour, kit.outline_colour),
                preset=kit.caption_preset or CaptionPreset.SHORTS,
                logo=Logo(logo, kit.logo_placement) if logo else None,
            )
            return render_preview(inputs, work / "preview.mp4", work).read_bytes()
