"""The service's transcoder decodes every stored state to what the library's own JSON transcoder makes of it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError
from hypothesis import given
from hypothesis import strategies as st

from domain.values import Role, Severity, Source
from service.application import Rectify
from service.transcodings import EnumTranscoder


def transcoders() -> tuple[EnumTranscoder, JSONTranscoder]:
    """The service's transcoder and the library's, with the same transcodings registered."""
    application = Rectify({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    library = JSONTranscoder()
    application.register_transcodings(library)
    return application.construct_transcoder(), library  # type: ignore[return-value]


OURS, LIBRARY = transcoders()


def decoded_alike(data: bytes) -> Any:
    """What both decode `data` to, types included, or the error both raise; asserts they agree."""
    ours, library = outcome(OURS, data), outcome(LIBRARY, data)
    assert ours == library
    return ours


def outcome(transcoder: JSONTranscoder, data: bytes) -> Any:
    try:
        return typed(transcoder.decode(data))
    except Exception as error:
        return type(error), str(error)


def typed(value: Any) -> Any:
    """A value with the type of everything in it beside it (1 == 1.0 == True, Source.AUDIT == "audit")."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value), value)


def test_an_events_state_comes_back_with_its_dates_moments_ids_and_members() -> None:
    state = {
        "timestamp": datetime(2026, 11, 30, 14, 7, 42, 826723, tzinfo=UTC),
        "source": Source.INSPECTION,
        "severity": Severity.MAJOR,
        "role": Role.INSPECTOR,
        "due_date": date(2026, 8, 12),
        "unit_id": UUID("163b98d248865a9ea249ce5cd8c12379"),
        "amount": Decimal("274.50"),
        "title": "预算执行进度滞后",
        "parent": None,
        "files": [{"name": "a.pdf", "at": date(2026, 1, 2)}, [Source.AUDIT]],
    }
    decoded_alike(OURS.encode(state))
    decoded = OURS.decode(OURS.encode(state))
    assert decoded == state
    assert decoded["source"] is Source.INSPECTION


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 12345678901234567890123, "b": -9223372036854775809}',  # past 64 bits: orjson would make floats
        '{"a": 1.5, "b": [0.1, -0.0, 1e300]}',
        '{"a": NaN, "b": Infinity}',  # not JSON, but the library's decoder reads them
        '{"a": "\\ud800 lone"}',  # a lone surrogate's escape, which orjson refuses
        '{"_type_": "date_iso", "_data_": "2026-01-02"}',  # a pair at the top
        '{"_type_": "x"}',  # one key of a pair is an ordinary object
        '{"_type_": "x", "_data_": 1, "more": 2}',  # so is an object with a third key
        '{"a": {"_type_": "date_iso", "_data_": "2026-01-02", "b": 1}}',
        '{"a": {"_type_": "rectify.source", "_data_": {"_type_": "x", "_datum_": 1}}}',  # fails alike
        '{"a": {"_type_": "rectify.source", "_data_": {"_type_": "rectify.source", "_data_": "audit"}}}',
        '[1, "two", null, true, {"_type_": "datetime_iso", "_data_": "2026-01-02T03:04:05+08:00"}]',
        '"just text"',
        "{}",
    ],
)
def test_what_orjson_reads_otherwise_or_not_at_all_decodes_as_the_library_decodes_it(text: str) -> None:
    decoded_alike(text.encode())


def test_an_unknown_transcoding_fails_as_in_the_library() -> None:
    data = b'{"a": {"_type_": "no_such_type", "_data_": "x"}}'
    with pytest.raises(TranscodingNotRegisteredError, match="no_such_type"):
        OURS.decode(data)


def test_a_value_no_member_has_fails_as_in_the_library() -> None:
    data = b'{"a": {"_type_": "rectify.source", "_data_": "no such source"}}'
    with pytest.raises(ValueError, match="no such source"):
        LIBRARY.decode(data)
    with pytest.raises(ValueError, match="no such source"):
        OURS.decode(data)


def test_bytes_that_are_not_utf8_fail_as_in_the_library() -> None:
    with pytest.raises(UnicodeDecodeError):
        OURS.decode(b'{"a": "\xff"}')


PAIRS = st.sampled_from(
    [
        {"_type_": "date_iso", "_data_": "2026-02-28"},
        {"_type_": "datetime_iso", "_data_": "2026-11-29T23:30:00+08:00"},
        {"_type_": "uuid_hex", "_data_": "953f5a4e1cd2514c86c076fb1a569683"},
        {"_type_": "decimal_str", "_data_": "1.10"},
        {"_type_": "rectify.role", "_data_": "reviewer"},
        {"_type_": "rectify.severity", "_data_": "general"},
    ]
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
JSON_VALUES = st.recursive(
    SCALARS | PAIRS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)


@given(JSON_VALUES)
def test_any_json_decodes_as_the_library_decodes_it(value: Any) -> None:
    decoded_alike(json.dumps(value, ensure_ascii=False).encode("utf8", "surrogatepass"))
