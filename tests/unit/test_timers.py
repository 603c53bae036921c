"""The worker drops cancelled timer entries (time limits of finished jobs) from kombu's real
timer, keeping the live ones in order."""

from __future__ import annotations

from kombu.asynchronous.hub import Hub

from tasks.worker import drop_cancelled_timers


def test_cancelled_entries_are_dropped_and_live_ones_keep_their_order() -> None:
    hub = Hub()
    fired: list[int] = []
    entries = [hub.call_later(100 + i, fired.append, i) for i in range(10)]
    for entry in entries[::2]:
        entry.cancel()
    assert drop_cancelled_timers(hub) == 5
    assert len(hub.timer) == 5
    assert [item.entry.args[0] for item in sorted(hub.timer.queue)] == [1, 3, 5, 7, 9]
    assert drop_cancelled_timers(hub) == 0


def test_a_hub_without_a_timer_queue_is_left_alone() -> None:
    assert drop_cancelled_timers(object()) == 0
