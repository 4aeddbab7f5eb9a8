"""The seal chain's rules, on records in memory: any one change to a sealed log is named where it is."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st

from projections.sealing import GENESIS, Seal, check_chain, seal_of, seals_of


@dataclass(frozen=True)
class Record:
    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


def log_of(states: list[bytes], gaps: set[int]) -> list[Record]:
    """Records at positions 1, 2, … skipping those in `gaps`, two originators taking turns."""
    originators = (uuid4(), uuid4())
    positions = [p for p in range(1, len(states) + len(gaps) + 1) if p not in gaps][: len(states)]
    return [
        Record(p, originators[n % 2], n // 2 + 1, "rectify:Assigned", state)
        for n, (p, state) in enumerate(zip(positions, states, strict=True))
    ]


logs = st.builds(
    log_of,
    st.lists(st.binary(max_size=40), min_size=1, max_size=30),
    st.sets(st.integers(min_value=1, max_value=40), max_size=5),
)


@given(logs)
def test_an_untouched_log_holds_with_its_last_seal_as_head(records) -> None:
    seals = list(seals_of(GENESIS, records))
    verdict = check_chain(records, seals, sealed_up_to=records[-1].id)
    assert verdict.ok and verdict.checked == len(records) and verdict.head == seals[-1]


@given(logs, st.data())
def test_any_edited_record_is_named(records, data) -> None:
    seals = list(seals_of(GENESIS, records))
    n = data.draw(st.integers(min_value=0, max_value=len(records) - 1))
    field = data.draw(st.sampled_from(["state", "topic", "originator_version", "originator_id"]))
    changed = {"state": records[n].state + b" ", "topic": "rectify:Reviewed", "originator_version": 99,
               "originator_id": uuid4()}[field]  # fmt: skip
    records[n] = replace(records[n], **{field: changed})
    verdict = check_chain(records, seals)
    assert (verdict.ok, verdict.position, verdict.problem, verdict.checked) == (False, records[n].id, "edited", n)


@given(logs, st.data())
def test_any_removed_record_is_named(records, data) -> None:
    seals = list(seals_of(GENESIS, records))
    removed = records.pop(data.draw(st.integers(min_value=0, max_value=len(records) - 1)))
    verdict = check_chain(records, seals)
    assert (verdict.ok, verdict.position, verdict.problem) == (False, removed.id, "missing")


@given(logs, st.data())
def test_a_record_put_in_a_gap_below_the_last_seal_is_named(records, data) -> None:
    seals = list(seals_of(GENESIS, records))
    held = {record.id for record in records}
    gaps = [p for p in range(1, records[-1].id) if p not in held]
    if not gaps:
        return
    position = data.draw(st.sampled_from(gaps))
    forged = Record(position, uuid4(), 1, "rectify:Issued", b"{}")
    tampered = sorted([*records, forged], key=lambda record: record.id)
    verdict = check_chain(tampered, seals, sealed_up_to=records[-1].id)
    assert (verdict.ok, verdict.position, verdict.problem) == (False, position, "inserted")


@given(logs)
def test_records_after_the_last_seal_are_counted_not_condemned(records) -> None:
    seals = list(seals_of(GENESIS, records[:-1]))
    verdict = check_chain(records, seals, sealed_up_to=seals[-1].position if seals else 0)
    assert verdict.ok and verdict.unsealed == 1


@given(logs, st.data())
def test_rewriting_every_later_seal_passes_alone_but_not_against_a_printed_seal(records, data) -> None:
    printed = list(seals_of(GENESIS, records))[-1]
    n = data.draw(st.integers(min_value=0, max_value=len(records) - 1))
    records[n] = replace(records[n], state=records[n].state + b"!")
    rewritten = list(seals_of(GENESIS, records))  # someone with the database's password recomputes the seals
    assert check_chain(records, rewritten).ok
    verdict = check_chain(records, rewritten, checkpoints={printed.position: printed.seal})
    assert (verdict.ok, verdict.position, verdict.problem) == (False, printed.position, "checkpoint")


def test_a_seal_covers_position_and_bytes_in_a_fixed_layout() -> None:
    """The layout docs/audit.md gives auditors, so they can recompute it with any sha256 tool."""
    import hashlib

    record = Record(7, UUID("12345678-1234-5678-1234-567812345678"), 3, "rectify:Assigned", b'{"a":1}')
    text = f"{GENESIS}\n7\n12345678-1234-5678-1234-567812345678\n3\nrectify:Assigned\n".encode() + b'{"a":1}'
    assert seal_of(GENESIS, record) == hashlib.sha256(text).hexdigest()
    assert Seal(7, seal_of(GENESIS, record)) == next(seals_of(GENESIS, [record]))
