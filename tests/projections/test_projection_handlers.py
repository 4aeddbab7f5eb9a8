"""The read model has one handler for each event the aggregates record, and the lifecycle knows each finding event."""

from __future__ import annotations

import pytest
from eventsourcing.domain import Aggregate

from domain.finding import Finding
from domain.lifecycle import STEPS
from domain.unit import Unit
from projections.projection import ReadModel


def recorded_events(aggregate: type[Aggregate]) -> list[type]:
    """The event classes an aggregate records: those its @event methods made (not the library's unused bases)."""
    bases = (aggregate.Event, aggregate.Created)
    return [
        value
        for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, aggregate.Event) and value not in bases
    ]


EVENTS = [*recorded_events(Finding), *recorded_events(Unit)]


DISPATCHER = vars(ReadModel)["process_event"].dispatcher  # the singledispatchmethod's, read without binding it


def handler_of(event_class: type) -> object:
    return DISPATCHER.dispatch(event_class)


def test_the_aggregates_record_the_events_the_projection_is_written_for():
    names = {event.__name__ for event in EVENTS}
    assert {"Issued", "Assigned", "Reviewed", "Warned", "Registered", "Moved"} <= names


@pytest.mark.parametrize("event_class", EVENTS, ids=lambda cls: cls.__qualname__)
def test_every_event_class_has_a_handler_of_its_own(event_class):
    default = DISPATCHER.dispatch(object)
    handler = handler_of(event_class)
    assert handler is not default, f"{event_class.__qualname__} has no handler in ReadModel"
    registered = DISPATCHER.registry
    assert registered.get(event_class) is handler, f"{event_class.__qualname__} falls back to a base class's handler"


def test_the_lifecycle_table_names_every_finding_event_and_no_other():
    assert {event.__name__ for event in recorded_events(Finding)} == set(STEPS)


def test_a_new_event_class_without_a_handler_is_caught():
    class Audited(Finding.Event):  # what adding an event and forgetting its handler looks like
        pass

    assert handler_of(Audited) is DISPATCHER.dispatch(object)


@pytest.mark.parametrize("event_class", [*EVENTS, object], ids=lambda cls: cls.__qualname__)
def test_the_runner_finds_the_handler_process_event_dispatches_to(event_class):
    projection = ReadModel(view=None)  # type: ignore[arg-type]
    found = projection.handler(event_class)
    assert found == handler_of(event_class).__get__(projection)
    assert projection.handler(event_class) is found  # looked up once, then kept
