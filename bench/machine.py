"""Facts about the machine a benchmark ran on (for results.json and the README)."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import psutil

PACKAGES = ("dagster", "moviepy", "pillow", "psutil")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.platform()


def _first_line(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=30)
    except OSError:
        return "not found"
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else "?"


def _package(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def now_iso() -> str:
    """Current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def machine_info() -> dict[str, Any]:
    """CPU, cores, RAM, OS, tool and package versions, and the load average at this moment."""
    return {
        "date": now_iso(),
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "os": _os_name(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "ffmpeg": _first_line(["ffmpeg", "-hide_banner", "-version"]).split(" Copyright")[0],
        "espeak_ng": _first_line(["espeak-ng", "--version"]),
        "packages": {name: _package(name) for name in PACKAGES},
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def describe(info: dict[str, Any]) -> str:
    """One-line summary of :func:`machine_info`."""
    return (
        f"{info['cpu_model']}, {info['logical_cores']} logical cores, {info['ram_gb']} GB RAM, {info['os']}, "
        f"{info['ffmpeg']}, Python {info['python']}, load average at start {info['load_average']}"
    )
