"""Child process of the interrupted-render tests: runs render_video on a JSON job, prints progress lines.

With ``block_in_final`` it waits on stdin at the first progress event of the final pass (in the main
thread, while that ffmpeg is still unreaped), so the parent's SIGINT lands there deterministically.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

from media_pipeline.media.render import SEGMENT_WEIGHT, RenderSpec, render_video


def main() -> None:
    """Render the job given as JSON in argv[1]."""
    # Python leaves SIGINT ignored when it starts ignored (a child of a background job): the test's SIGINT
    # must raise KeyboardInterrupt here whatever started the test run.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    job = json.loads(sys.argv[1])
    spec = RenderSpec(
        width=job["width"],
        height=job["height"],
        fps=job["fps"],
        scene_images=[Path(p) for p in job["images"]],
        scene_durations=job["durations"],
        narration_wav=Path(job["narration"]),
        subtitles_ass=Path(job["subtitles"]),
    )

    def on_progress(percent: float) -> None:
        print(f"progress {percent}", flush=True)
        if job["block_in_final"] and percent > SEGMENT_WEIGHT * 100 + 0.05:
            sys.stdin.readline()

    render_video(spec, Path(job["out"]), Path(job["work_dir"]), on_progress=on_progress)
    print("done", flush=True)


if __name__ == "__main__":
    main()
