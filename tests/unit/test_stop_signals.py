"""on_stop(): SIGTERM and SIGINT become a stop request (and a callback) for the bridge, beat
and `status --watch`; the previous handlers come back afterwards."""

from __future__ import annotations

import os
import select
import signal

import pytest

from xtbatch.signals import on_stop


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_sets_the_request_and_calls_back(signum: int) -> None:
    seen: list[int] = []
    before = signal.getsignal(signum)
    with on_stop(seen.append) as stop:
        assert not stop.requested
        os.kill(os.getpid(), signum)  # handled before kill() returns to Python code
        assert stop.requested and stop.signum == signum
        assert seen == [signum]
    assert signal.getsignal(signum) is before


def test_a_callback_may_raise_to_break_out_of_a_wait() -> None:
    class Stop(Exception):
        pass

    def stop_now(signum: int) -> None:
        raise Stop()

    with pytest.raises(Stop), on_stop(stop_now):
        os.kill(os.getpid(), signal.SIGTERM)
        select.select([], [], [], 10)  # never reached in full: the handler raises first


def test_the_wake_fd_becomes_readable_on_a_signal_and_is_closed_after() -> None:
    old = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(old)
    with on_stop(wake_fd=True) as stop:
        fd = stop.wake_fd
        assert select.select([fd], [], [], 0)[0] == []
        os.kill(os.getpid(), signal.SIGINT)
        assert select.select([fd], [], [], 5)[0] == [fd]
        assert stop.requested
    assert signal.set_wakeup_fd(old) == old
    with pytest.raises(OSError):
        os.fstat(fd)
