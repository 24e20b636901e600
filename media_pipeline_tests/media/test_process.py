"""run_process: output streaming, failures with stderr tails, timeouts, cancel and process-group cleanup."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from media_pipeline.errors import PermanentError
from media_pipeline.media import process
from media_pipeline.media.process import ProcessCancelled, run_process
from media_pipeline.processes import ProcessFailed, ProcessTimedOut

from .proctools import ended, live_group_members, process_group


def test_streams_stdout_lines_and_returns_stderr_tail() -> None:
    lines: list[str] = []
    tail = run_process(["sh", "-c", "echo one; echo two; echo warning >&2"], on_line=lines.append)
    assert lines == ["one", "two"]
    assert "warning" in tail


def test_non_zero_exit_raises_process_failed_with_stderr_tail() -> None:
    script = "for i in $(seq 1 100); do echo noise $i >&2; done; echo 'fatal: bad input' >&2; exit 3"
    with pytest.raises(ProcessFailed) as caught:
        run_process(["sh", "-c", script])
    error = caught.value
    assert isinstance(error, PermanentError)
    assert (error.command, error.returncode) == ("sh", 3)
    assert "fatal: bad input" in error.stderr_tail and "fatal: bad input" in str(error)
    assert "noise 1\n" not in error.stderr_tail  # only the tail is kept
    assert len(error.stderr_tail.splitlines()) == process.STDERR_TAIL_LINES


def test_missing_executable_is_a_process_failure() -> None:
    with pytest.raises(ProcessFailed) as caught:
        run_process(["definitely-not-a-command-xyz"])
    assert caught.value.returncode is None


def test_child_and_its_children_run_at_the_child_niceness(tmp_path: Path) -> None:
    """The child waits on a FIFO until its first line reached the caller (so it has been reniced), then
    starts ``nice`` (a grandchild), which prints the niceness it inherited."""
    fifo = tmp_path / "go"
    os.mkfifo(fifo)
    lines: list[str] = []

    def on_line(line: str) -> None:
        lines.append(line)
        if line == "ready":
            fifo.write_text("go\n")

    run_process(["sh", "-c", f"echo ready; read go < {fifo}; nice"], on_line=on_line)
    assert lines == ["ready", str(max(os.nice(0), process.CHILD_NICENESS))]


class _GroupWatch:
    """Records, from the child's first output line (a background grandchild's pid), its process group and
    a pidfd of the grandchild; also what ``running_children`` said while the child ran."""

    def __init__(self) -> None:
        self.group: int | None = None
        self.pid_fd: int | None = None
        self.registered: list[int] = []

    def on_line(self, line: str) -> None:
        grandchild = int(line)
        self.group = process_group(grandchild)
        self.pid_fd = os.pidfd_open(grandchild)
        self.registered = [child.pid for child in process.running_children()]

    def assert_group_gone(self) -> None:
        assert self.group is not None and self.pid_fd is not None, "the child never reported"
        try:
            assert self.registered == [self.group]  # the heartbeat would have recorded this group
            assert ended(self.pid_fd), "a member of the child's process group survived"
            assert live_group_members(self.group) == []
            assert process.running_children() == []
        finally:
            os.close(self.pid_fd)


GROUP_SCRIPT = "sleep 60 >/dev/null 2>&1 & echo $!; wait"  # the grandchild holds no pipe


def test_timeout_stops_the_childs_whole_process_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process, "GRACE_S", 0.3)
    watch = _GroupWatch()
    with pytest.raises(ProcessTimedOut, match="timed out"):
        run_process(["sh", "-c", GROUP_SCRIPT], on_line=watch.on_line, timeout=1.0)
    watch.assert_group_gone()


def test_cancel_event_stops_the_childs_whole_process_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process, "GRACE_S", 0.3)
    cancel = threading.Event()
    watch = _GroupWatch()

    def on_line(line: str) -> None:
        watch.on_line(line)
        cancel.set()

    with pytest.raises(ProcessCancelled):
        run_process(["sh", "-c", GROUP_SCRIPT], on_line=on_line, cancel=cancel)
    watch.assert_group_gone()


def test_interrupt_kills_the_whole_process_group(monkeypatch: pytest.MonkeyPatch) -> None:
    """The leader ignores SIGINT and has a background child: both must be gone after the interrupt."""
    monkeypatch.setattr(process, "GRACE_S", 0.3)
    pid_fds: list[int] = []
    group: list[int] = []

    def on_line(line: str) -> None:
        grandchild = int(line)
        group.append(process_group(grandchild))
        pid_fds.append(os.pidfd_open(grandchild))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_process(["sh", "-c", "trap '' INT; sleep 60 & echo $!; wait"], on_line=on_line)
    try:
        assert ended(pid_fds[0]), "background child of the group survived"
        assert live_group_members(group[0]) == []
    finally:
        os.close(pid_fds[0])
