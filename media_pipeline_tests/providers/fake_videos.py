"""A loopback fake of the OpenAI Videos API (``POST /v1/videos``, ``GET /v1/videos/{id}``,
``GET /v1/videos/{id}/content[?variant=thumbnail]``) serving a real MP4 made by ffmpeg: a 16:9 clip whose
colour turns once round the hue circle per second, with a loud 3 kHz tone as its own audio."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from media_pipeline.media.process import run_process
from media_pipeline_tests.media.clips import ffmpeg_cmd
from media_pipeline_tests.providers.fakeserver import Recorded, Reply
from media_pipeline_tests.providers.helpers import image_bytes

CLIP_SIZE = (320, 180)
CLIP_FPS = 24


def make_clip(path: Path, seconds: float = 1.0) -> Path:
    """Write the test clip (H.264 + AAC in MP4) to ``path``: solid colour whose hue is ``360 * t`` degrees,
    so every frame of a second differs and the clip repeats exactly each second."""
    width, height = CLIP_SIZE
    video = f"color=c=red:s={width}x{height}:r={CLIP_FPS}:d={seconds},hue=h=360*t"
    audio = f"sine=frequency=3000:sample_rate=48000:duration={seconds}"
    args = ["-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio, "-c:v", "libx264", "-pix_fmt", "yuv420p"]
    run_process(ffmpeg_cmd(*args, "-c:a", "aac", "-shortest", str(path)), timeout=120)
    return path


@dataclass
class VideosFake:
    """The app of a FakeServer: each ``POST /v1/videos`` is one paid clip (``created`` lists the prompts);
    a video is ``in_progress`` on its first poll and ``completed`` after."""

    clip: bytes
    created: list[str] = field(default_factory=list)
    polls: dict[str, int] = field(default_factory=dict)

    def __call__(self, request: Recorded) -> Reply:
        if request.method == "POST" and request.path == "/v1/videos":
            video_id = f"video_{len(self.created)}"
            self.created.append(request.body.decode(errors="replace"))
            self.polls[video_id] = 0
            return Reply.json({"id": video_id, "object": "video", "status": "queued"})
        parts = request.path.split("/")  # /v1/videos/{id}[/content]
        video_id = parts[3]
        if video_id not in self.polls:
            return Reply.json({"error": {"message": "no such video"}}, 404)
        if parts[-1] == "content":
            if request.query.get("variant") == "thumbnail":
                return Reply(200, image_bytes("JPEG", (720, 1280)), {"Content-Type": "image/jpeg"})
            return Reply(200, self.clip, {"Content-Type": "video/mp4"})
        self.polls[video_id] += 1
        status = "completed" if self.polls[video_id] > 1 else "in_progress"
        return Reply.json({"id": video_id, "status": status})
