"""Loudness measurement with ffmpeg's EBU R128 meter (``ebur128``, true peak by 4x oversampling)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

import ffmpeg
from ffmpeg.nodes import Stream

from media_pipeline.errors import PermanentError
from media_pipeline.media.ffgraph import run_graph

TARGET_LUFS = -14.0  # YouTube's playback reference
TOLERANCE_LU = 1.0
MAX_TRUE_PEAK_DBTP = -1.0
_SUMMARY = re.compile(
    r"Integrated loudness:\s+I:\s+(?P<i>-?[\d.]+|-inf) LUFS.*?"
    r"Loudness range:\s+LRA:\s+(?P<lra>-?[\d.]+) LU.*?"
    r"True peak:\s+Peak:\s+(?P<tp>-?[\d.]+|-inf) dBFS",
    re.S,
)


@dataclass(frozen=True)
class Loudness:
    """Integrated loudness (LUFS), loudness range (LU) and true peak (dBTP) of a file's first audio stream."""

    integrated_lufs: float
    range_lu: float
    true_peak_dbtp: float

    def problems(
        self,
        target_lufs: float = TARGET_LUFS,
        tolerance_lu: float = TOLERANCE_LU,
        max_true_peak: float = MAX_TRUE_PEAK_DBTP,
    ) -> list[str]:
        """Why the audio is not ready to publish (empty when it is)."""
        found = []
        if abs(self.integrated_lufs - target_lufs) > tolerance_lu:
            found.append(
                f"integrated loudness {self.integrated_lufs:.1f} LUFS is outside "
                f"{target_lufs:g} ± {tolerance_lu:g}"
            )
        if self.true_peak_dbtp > max_true_peak:
            found.append(f"true peak {self.true_peak_dbtp:.1f} dBTP is above {max_true_peak:g}")
        return found

    def as_dict(self) -> dict[str, float]:
        """JSON-ready form."""
        return asdict(self)


def metered(audio: Stream) -> Stream:
    """``audio`` passed through the EBU R128 meter: a graph writing it logs the summary that
    :func:`logged_loudness` reads, so a pass that writes audio measures it too (no second decode)."""
    return audio.filter("ebur128", peak="true", framelog="verbose")


def logged_loudness(stderr: str, name: str) -> Loudness:
    """The loudness summary that a :func:`metered` graph run at ``loglevel="info"`` logged (``name``: its
    file, for the error)."""
    # The last summary counts: ffmpeg builds a -filter_complex graph once to learn its outputs and frees
    # it, and that unused meter logs an empty summary first.
    match = next(reversed(list(_SUMMARY.finditer(stderr))), None)
    if match is None:
        raise PermanentError(f"ffmpeg ebur128 printed no loudness summary for {name}")
    return Loudness(
        integrated_lufs=float(match["i"]), range_lu=float(match["lra"]), true_peak_dbtp=float(match["tp"])
    )


def measure_loudness(path: Path) -> Loudness:
    """EBU R128 summary of ``path``'s audio (video is not decoded)."""
    meter = metered(ffmpeg.input(str(path))["a:0"])
    return logged_loudness(run_graph(meter.output("-", f="null"), timeout=600, loglevel="info"), path.name)
