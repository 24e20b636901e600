"""Measuring a child process tree: wall time, CPU time of the whole tree, and peak memory sampled at 20 Hz.

RSS is summed over the child and all its descendants at each sample and split into ffmpeg processes,
Python processes and the rest (espeak-ng, ffprobe, ...); the peaks of those sums are reported. A sum of RSS
counts pages shared between processes (libraries, copy-on-write pages) once per process, so the tree's PSS
(proportional set size: shared pages divided among their users) is summed too, on every 10th sample: what
the processes really occupy together. Sampling can miss spikes shorter than the interval; the worker's own
``ru_maxrss`` values (exact, but per process) are reported beside them by the callers. The sampler costs
~2 % of one core (children from ``/proc/PID/task/*/children``, Process objects reused).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.common import MB

SAMPLE_INTERVAL_S = 0.05
# PSS needs /proc/PID/smaps_rollup (~1 ms per process), so it is read on every Nth sample only (~2 Hz).
PSS_EVERY = 10
KINDS = ("ffmpeg", "python", "other")


def process_kind(name: str) -> str:
    """``ffmpeg``, ``python`` or ``other`` for a process name."""
    if name.startswith("ffmpeg"):
        return "ffmpeg"
    if name.startswith("python"):
        return "python"
    return "other"


def child_pids(pid: int) -> list[int]:
    """Direct children of ``pid`` from ``/proc/PID/task/*/children`` (cheap), else via psutil."""
    task_dir = Path(f"/proc/{pid}/task")
    try:
        tids = list(task_dir.iterdir())
    except OSError:
        tids = []
    found: list[int] = []
    for tid in tids:
        try:
            found += [int(child) for child in (tid / "children").read_text().split()]
        except FileNotFoundError:
            if not (tid / "children").parent.exists():
                continue  # the thread ended
            return _psutil_children(pid)
        except OSError:
            continue
    return found


def _psutil_children(pid: int) -> list[int]:
    try:
        return [child.pid for child in psutil.Process(pid).children()]
    except psutil.NoSuchProcess:
        return []


def descendants(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue += child_pids(current)
    return found


@dataclass
class TreePeaks:
    """Peak summed RSS (MiB) of the whole tree and of each process kind, and the tree's peak PSS."""

    tree_mb: float = 0.0
    tree_pss_mb: float = 0.0
    ffmpeg_mb: float = 0.0
    python_mb: float = 0.0
    other_mb: float = 0.0
    samples: int = 0
    max_processes: int = 0


class TreeSampler(threading.Thread):
    """Samples the memory of ``pid`` and its descendants every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, pid: int, interval: float = SAMPLE_INTERVAL_S) -> None:
        super().__init__(daemon=True, name=f"rss-sampler-{pid}")
        self.pid = pid
        self.interval = interval
        self.peaks = TreePeaks()
        self._stop_event = threading.Event()
        self._known: dict[int, tuple[psutil.Process, str]] = {}

    def _processes(self) -> list[tuple[psutil.Process, str]]:
        """(process, kind) of the tree; Process objects are kept across samples (names are cached)."""
        current = {}
        for pid in descendants(self.pid):
            known = self._known.get(pid)
            if known is None:
                try:
                    proc = psutil.Process(pid)
                    known = (proc, process_kind(proc.name()))
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
            current[pid] = known
        self._known = current
        return list(current.values())

    def sample(self) -> None:
        """Take one sample and update the peaks."""
        with_pss = self.peaks.samples % PSS_EVERY == 0
        sums = dict.fromkeys(KINDS, 0)
        pss = 0
        alive = 0
        for proc, kind in self._processes():
            try:
                memory = proc.memory_full_info() if with_pss else proc.memory_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            sums[kind] += memory.rss
            pss += getattr(memory, "pss", memory.rss)
            alive += 1
        peaks = self.peaks
        peaks.samples += 1
        peaks.max_processes = max(peaks.max_processes, alive)
        peaks.tree_mb = max(peaks.tree_mb, sum(sums.values()) / MB)
        if with_pss:
            peaks.tree_pss_mb = max(peaks.tree_pss_mb, pss / MB)
        peaks.ffmpeg_mb = max(peaks.ffmpeg_mb, sums["ffmpeg"] / MB)
        peaks.python_mb = max(peaks.python_mb, sums["python"] / MB)
        peaks.other_mb = max(peaks.other_mb, sums["other"] / MB)

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> TreePeaks:
        """Stop sampling and return the peaks."""
        self._stop_event.set()
        self.join()
        return self.peaks


@dataclass
class Measured:
    """One measured child run: outer wall and tree CPU, sampled peaks and the worker's own report."""

    wall_s: float
    cpu_s: float
    peaks: TreePeaks
    report: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_worker(args: list[str], result_file: Path, *, env: dict[str, str] | None = None) -> Measured:
    """Run ``python -m bench.worker *args`` (which writes ``result_file``), sampling its process tree.

    Raises ``RuntimeError`` with the worker's stderr tail if it fails.
    """
    result_file.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "bench.worker", *args, "--result", str(result_file)]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        env=env if env is not None else os.environ.copy(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = TreeSampler(proc.pid)
    sampler.start()
    _, stderr = proc.communicate()
    wall = time.perf_counter() - started
    peaks = sampler.stop()
    cpu = _children_cpu() - cpu_before
    if proc.returncode != 0 or not result_file.is_file():
        tail = "\n".join(stderr.strip().splitlines()[-25:])
        raise RuntimeError(f"bench worker {' '.join(args)} failed ({proc.returncode}):\n{tail}")
    return Measured(wall, cpu, peaks, json.loads(result_file.read_text()))
