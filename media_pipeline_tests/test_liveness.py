"""The worker's progress mark moves only when a measure of work really grows (never on a timer)."""

from __future__ import annotations

from media_pipeline.liveness import Meter, current
from media_pipeline.media.ffmpeg import progress_reader


def test_a_meter_moves_the_mark_only_when_its_measure_grows() -> None:
    meter = Meter("uploaded", "bytes")
    before = current().moves
    meter.add(100)
    meter.add(0)  # no growth
    meter.update(50)  # behind the best so far
    assert current().moves == before + 1 and current().note == "uploaded 100.0 bytes"
    meter.add(20)
    assert current().moves == before + 2 and current().note == "uploaded 120.0 bytes"


def test_ffmpeg_out_time_moves_the_mark_while_it_grows() -> None:
    seconds: list[float] = []
    on_line = progress_reader(seconds.append)
    before = current().moves
    for line in ["frame=10", "out_time_us=1000000", "progress=continue", "out_time_us=1000000"]:
        on_line(line)  # a stalled ffmpeg repeats its out_time
    assert current().moves == before + 1 and current().note == "ffmpeg out_time 1.0 s"
    on_line("out_time_us=2500000")
    assert current().moves == before + 2 and seconds == [1.0, 1.0, 2.5]
