"""When a follower of the log writes: at once after a quiet spell, else what came within the moment since its
last write, together."""

from __future__ import annotations

import pytest

from projections import gathering
from projections.gathering import GATHER_SECONDS, Gathering


class Clock:
    """time.monotonic and time.sleep, on a clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self.meanwhile = lambda: None  # what happens while it sleeps

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        self.meanwhile()


class Log:
    """A subscription's `has_buffered` and `fetch`: `arriving` events, committed, are read by the next fetch."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.buffered = 0
        self.arriving = 0
        self.stopped = False

    def stopped_within(self, seconds: float) -> bool:
        self.clock.sleep(seconds)
        return self.stopped

    def commit(self, events: int) -> None:
        self.arriving += events

    def has_buffered(self) -> bool:
        return self.buffered > 0

    def fetch(self) -> bool:
        self.buffered, self.arriving = self.buffered + self.arriving, 0
        return self.buffered > 0


@pytest.fixture
def clock(monkeypatch) -> Clock:  # the module's time.monotonic
    clock = Clock()
    monkeypatch.setattr(gathering, "time", clock)
    return clock


def test_the_first_write_and_one_after_a_quiet_spell_come_at_once(clock):
    log = Log(clock)
    gather = Gathering(log)
    assert gather.drained()
    gather.written()
    clock.now += GATHER_SECONDS  # quiet since
    assert gather.drained()
    assert clock.slept == []


def test_events_at_hand_are_projected_before_any_write(clock):
    log = Log(clock)
    log.buffered = 3
    gather = Gathering(log)
    gather.written()
    assert not gather.drained()
    assert clock.slept == []


def test_events_committed_already_are_read_without_waiting_as_when_catching_up_page_after_page(clock):
    log = Log(clock)
    gather = Gathering(log)
    gather.written()
    log.commit(1000)  # the next page of a log being caught up with
    assert not gather.drained()
    assert (log.buffered, clock.slept) == (1000, [])


@pytest.mark.parametrize("since", [0.0, GATHER_SECONDS / 4, GATHER_SECONDS * 0.99])
def test_soon_after_a_write_it_waits_out_the_moment_and_takes_what_came_meanwhile(clock, since):
    log = Log(clock)
    gather = Gathering(log)
    gather.written()
    clock.now += since
    clock.meanwhile = lambda: log.commit(2)
    assert not gather.drained()  # what came goes in the next write, with the events before it
    assert clock.slept == [pytest.approx(GATHER_SECONDS - since)]
    log.buffered = 0  # projected
    assert gather.drained()  # the moment has passed: written now, without waiting again
    assert len(clock.slept) == 1


def test_stopped_while_it_waits_out_the_moment_it_writes_nothing_more(clock):
    log = Log(clock)
    gather = Gathering(log)
    gather.written()
    clock.meanwhile = lambda: setattr(log, "stopped", True)
    assert not gather.drained()  # the subscription then ends the follower's loop, without a write


def test_soon_after_a_write_with_nothing_coming_it_writes_once_the_moment_has_passed(clock):
    log = Log(clock)
    gather = Gathering(log)
    gather.written()
    clock.now += GATHER_SECONDS / 2
    assert gather.drained()
    assert clock.slept == [pytest.approx(GATHER_SECONDS / 2)]


def test_the_projector_writes_an_event_after_a_quiet_spell_at_once_and_those_soon_after_together(
    rectify, store_url, view, monkeypatch
):
    from time import monotonic, sleep

    from domain.values import Actor, Role
    from projections.view import ReadModelSQL, wait_for
    from service.config import load_settings
    from service.read_store import following

    monkeypatch.setattr(gathering, "GATHER_SECONDS", 1.5)
    admin = Actor("admin", Role.ADMIN)
    rectify.register_unit(admin, code="HQ", name="总部")
    writes: list[int] = []
    apply = ReadModelSQL.apply
    monkeypatch.setattr(ReadModelSQL, "apply", lambda self, b, t: (writes.append(t.notification_id), apply(self, b, t)))
    with following(load_settings({"RECTIFY_DATABASE_URL": store_url})):
        wait_for(view, rectify.recorder.max_notification_id(), 10)
        sleep(1.6)  # quiet: the last write's moment passes
        writes.clear()
        rectify.register_unit(admin, code="B01", name="一分局", parent="HQ")
        started = monotonic()
        wait_for(view, rectify.recorder.max_notification_id(), 10)
        assert monotonic() - started < 1.0  # not held for the moment: nothing was written in it
        for code in ("B02", "B03", "B04"):
            sleep(0.1)  # each seen on its own by the subscription (which is woken within 20 ms)
            rectify.register_unit(admin, code=code, name=code, parent="HQ")
        wait_for(view, rectify.recorder.max_notification_id(), 10)
    assert len(writes) == 2  # the quiet spell's event, then the three that came within its moment
