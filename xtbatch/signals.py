"""Stopping on SIGTERM or SIGINT: one helper for the bridge, beat and ``status --watch``.

(The worker keeps Celery's own handling: its first SIGTERM lets the current job finish.)
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopRequest:
    """Set by the first SIGTERM or SIGINT received inside :func:`on_stop`."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum = 0
        self.wake_fd = -1  # readable after a signal, when on_stop(wake_fd=True)

    @property
    def requested(self) -> bool:
        return self.event.is_set()


@contextmanager
def on_stop(
    callback: Callable[[int], None] | None = None, *, wake_fd: bool = False
) -> Iterator[StopRequest]:
    """Route SIGTERM and SIGINT to the yielded :class:`StopRequest`, then to ``callback``.

    ``callback(signum)`` runs in the signal handler, in the main thread: it may raise to
    break out of what that thread is doing (a blocking wait). With ``wake_fd``, the request's
    ``wake_fd`` becomes readable on each signal, for a loop that waits in ``select``. The
    previous handlers (and wake-up fd) come back on exit. Call it from the main thread.
    """
    stop = StopRequest()

    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.signum = signum
        stop.event.set()
        if callback is not None:
            callback(signum)

    pipe: tuple[int, int] | None = None
    old_fd = -1
    if wake_fd:
        pipe = os.pipe()
        for fd in pipe:
            os.set_blocking(fd, False)
        old_fd = signal.set_wakeup_fd(pipe[1])
        stop.wake_fd = pipe[0]
    old = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for s, previous in old.items():
            signal.signal(s, previous)
        if pipe is not None:
            signal.set_wakeup_fd(old_fd)
            for fd in pipe:
                os.close(fd)
