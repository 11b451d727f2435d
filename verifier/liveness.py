"""Worker heartbeats on a shared board: which workers are alive, idle or busy, and responsive.

    board = Board.create(slots=8)              # service process; board.path goes to the workers
    Beat.join(board.path, interval_s=0.5)      # in each worker (`verifier/worker.py`)
    board.read()                               # service process: one SlotState per held slot
    board.close()

The board is a small file that the service process and every worker memory-map. A worker claims a
slot by taking a POSIX record lock on the slot's bytes (non-blocking `lockf`): the kernel releases
that lock when the worker dies, however it dies, so a slot is never held by a dead process and the
board needs no cleanup protocol. The slot's owner is its only writer: its pid, a beat (the
system-wide CLOCK_MONOTONIC, comparable across processes) from a daemon thread every `interval_s`,
when its current task started (0 while idle) and how many tasks it has finished. The service
process only reads, and tells held slots from free ones by trying the lock itself.

A stopped (SIGSTOP) or frozen worker stops beating. While idle that is the only sign of it (it
simply never takes a task), so the pool replaces an idle worker whose beat is too old. A busy
worker's beat may pause legitimately (one C-level sympy call can hold the GIL for seconds) and its
task has its own wall-clock budget, so busy workers are left to that budget.
"""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
import struct
import tempfile
import threading
import time
from dataclasses import dataclass

# One slot: pid, beat, busy_since (0 = idle), tasks finished: four aligned little-endian doubles,
# each written with one 8-byte copy. (Should a read ever catch half a write, it is one odd sample:
# the pool acts only on what it reads on two watch rounds in a row.)
_SLOT = struct.Struct("<4d")
_PID, _BEAT, _BUSY, _TASKS = range(4)


@dataclass(frozen=True)
class SlotState:
    """What one held slot says about its worker, as read by the service process."""

    pid: int
    beat_age_s: float  # seconds since the worker's last beat
    busy_s: float | None  # seconds in its current task, None while idle
    tasks: int  # tasks it has finished


class Board:
    """The service process's side: creates the file and reads the slots."""

    def __init__(self, path: str, slots: int, fd: int, view: mmap.mmap) -> None:
        self.path = path
        self.slots = slots
        self._fd = fd
        self._view = view

    @classmethod
    def create(cls, slots: int) -> Board:
        fd, path = tempfile.mkstemp(prefix="mathreward-workers-", suffix=".board")
        try:
            os.ftruncate(fd, slots * _SLOT.size)
            view = mmap.mmap(fd, slots * _SLOT.size)
        except BaseException:
            os.close(fd)
            os.unlink(path)
            raise
        return cls(path, slots, fd, view)

    def read(self) -> list[SlotState]:
        """The held slots (a worker process alive behind each), in slot order."""
        now = time.monotonic()
        states = []
        for slot in range(self.slots):
            if not self._held(slot):
                continue
            pid, beat, busy, tasks = _SLOT.unpack_from(self._view, slot * _SLOT.size)
            if pid <= 0:
                continue  # claimed a moment ago; its pid follows at once
            busy_s = None if busy == 0 else max(0.0, now - busy)
            states.append(SlotState(int(pid), max(0.0, now - beat), busy_s, int(tasks)))
        return states

    def _held(self, slot: int) -> bool:
        """Is the slot's lock held by a worker? (Taking it here means no: give it back.)"""
        try:
            fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, _SLOT.size, slot * _SLOT.size)
        except OSError:
            return True
        fcntl.lockf(self._fd, fcntl.LOCK_UN, _SLOT.size, slot * _SLOT.size)
        return False

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._view.close()
        with contextlib.suppress(OSError):
            os.close(self._fd)
        with contextlib.suppress(OSError):
            os.unlink(self.path)


class Beat:
    """A worker's side: its slot, written by this process only."""

    def __init__(self, view: mmap.mmap, offset: int) -> None:
        self._view = view
        self._offset = offset
        self._tasks = 0

    @classmethod
    def join(cls, path: str, interval_s: float) -> Beat | None:
        """Claim a free slot and start beating; None when every slot is taken (the board is
        sized for twice the workers) or the board is gone. Either way the worker still serves;
        it is only invisible to the liveness check, so the live count shows it missing."""
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            return None
        size = os.fstat(fd).st_size
        for offset in range(0, size - _SLOT.size + 1, _SLOT.size):
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, _SLOT.size, offset)
            except OSError:
                continue
            # The fd stays open for the life of the process: closing it would drop the lock.
            beat = cls(mmap.mmap(fd, size), offset)
            beat._write(_BEAT, time.monotonic())
            beat._write(_BUSY, 0.0)
            beat._write(_TASKS, 0.0)
            beat._write(_PID, float(os.getpid()))
            thread = threading.Thread(target=beat._run, args=(interval_s,), daemon=True)
            thread.name = "verifier-heartbeat"
            thread.start()
            return beat
        os.close(fd)
        return None

    def busy(self) -> None:
        self._write(_BUSY, time.monotonic())

    def idle(self, finished: int = 1) -> None:
        self._tasks += finished
        self._write(_TASKS, float(self._tasks))
        self._write(_BUSY, 0.0)

    def _run(self, interval_s: float) -> None:
        while True:
            self._write(_BEAT, time.monotonic())
            time.sleep(interval_s)

    def _write(self, field: int, value: float) -> None:
        struct.pack_into("<d", self._view, self._offset + 8 * field, value)
