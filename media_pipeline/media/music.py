"""A soft generated background bed: a slow I–V–vi–IV pad chord progression made by ffmpeg's aevalsrc."""

from __future__ import annotations

from pathlib import Path

from media_pipeline.errors import PermanentError
from media_pipeline.fsutil import atomic_path
from media_pipeline.media.ffgraph import lavfi_source, run_graph

SAMPLE_RATE = 44100
CHORD_S = 4.0
# C, G, Am, F: bass note plus a triad (Hz).
PROGRESSION = (
    (130.81, 261.63, 329.63, 392.00),
    (98.00, 246.94, 293.66, 392.00),
    (110.00, 220.00, 261.63, 329.63),
    (87.31, 220.00, 261.63, 349.23),
)


def _voice_expr(voice: int) -> str:
    """Frequency of ``voice`` for the chord index held in variable 0."""
    freqs = [chord[voice] for chord in PROGRESSION]
    expr = f"{freqs[-1]}"
    for index in reversed(range(len(freqs) - 1)):
        expr = f"if(eq(ld(0),{index}),{freqs[index]},{expr})"
    return expr


def chord_expression() -> str:
    """aevalsrc expression: each chord swells in and out (zero at chord changes, so no clicks)."""
    count = len(PROGRESSION)
    voices = "+".join(
        f"{0.5 if voice == 0 else 0.25}*sin(2*PI*t*{_voice_expr(voice)})"
        for voice in range(len(PROGRESSION[0]))
    )
    return f"st(0,mod(floor(t/{CHORD_S}),{count}));(0.5-0.5*cos(2*PI*t/{CHORD_S}))*0.35*({voices})"


def generate_music(duration: float, out_wav: Path) -> Path:
    """Write ``duration`` seconds of soft pad music (mono 44.1 kHz WAV, faded in/out) to ``out_wav``."""
    if duration <= 0:
        raise PermanentError(f"music duration must be positive, got {duration}")
    fade = min(2.0, duration / 4)
    source = lavfi_source("aevalsrc", exprs=chord_expression(), s=SAMPLE_RATE, d=f"{duration:.3f}")
    shaped = (
        source.filter("lowpass", f=1800)
        .filter("afade", t="in", d=f"{fade:.3f}")
        .filter("afade", t="out", st=f"{duration - fade:.3f}", d=f"{fade:.3f}")
    )
    with atomic_path(out_wav) as tmp:
        run_graph(shaped.output(str(tmp), **{"c:a": "pcm_s16le"}, f="wav"), timeout=300)
    return out_wav
