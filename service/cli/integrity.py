"""`rectify verify`: recompute the seal chain from the stored records; the exit status says whether it holds."""

from __future__ import annotations

import argparse
import re
import sys
import time
from typing import Any

from projections.sealer import verify
from service.cli.common import CommandError, opened_store
from service.config import load_settings
from service.evidence.integrity import EvidenceCheck, check_evidence
from service.read_store import open_seals

PRINTED_SEAL = re.compile(r"^(\d{1,19}):([0-9a-f]{64})$")


def add_parser(commands: Any) -> None:
    """The `verify` command and its options."""
    parser = commands.add_parser("verify", help="check the log against its seal chain (exit status 1 if broken)")
    parser.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="POSITION:SEAL",
        help="a seal printed on a circular (数据校验码), which the chain must still give; may be repeated",
    )
    parser.set_defaults(handler=verify_command)


def verify_command(args: argparse.Namespace) -> int:
    """Walk the log and the seals once, reporting progress on stderr, and print the verdict."""
    checkpoints = dict(map(printed_seal, args.checkpoint))
    with opened_store() as application:
        seals = open_seals(load_settings(), beside=application.recorder)
        total = seals.position()
        started = time.monotonic()

        def progress(checked: int) -> None:
            rate = checked / max(time.monotonic() - started, 1e-6)
            print(f"checked {checked:,} of {total:,} sealed records ({rate:,.0f}/s)", file=sys.stderr, flush=True)

        verdict = verify(application.recorder, seals, checkpoints=checkpoints, progress=progress)
        took = time.monotonic() - started
        evidence = check_evidence(application.evidence_store, application.recorder, application.mapper)
    if verdict.ok:
        head = f"; head {verdict.head.position}:{verdict.head.seal}" if verdict.head else ""
        pending = f"; {verdict.unsealed:,} records not sealed yet" if verdict.unsealed else ""
        confirmed = f"; {len(checkpoints)} printed seal(s) confirmed" if checkpoints else ""
        print(f"intact: {verdict.checked:,} records in {took:.1f} s{head}{confirmed}{pending}")
    else:
        print(
            f"BROKEN at position {verdict.position}: {verdict.problem} ({verdict.checked:,} records intact before it)"
        )
    print_evidence_check(evidence)
    return 0 if verdict.ok and evidence.ok else 1


def print_evidence_check(evidence: EvidenceCheck) -> None:
    """One line for the files of evidence, and one for each file that fails or that could not be read."""
    if evidence.unreadable:
        n = len(evidence.unreadable)
        print(f"evidence: {n:,} encrypted file{'' if n == 1 else 's'} not checked (RECTIFY_CIPHER_KEY checks them)")
    if evidence.attached_unchecked:
        print("evidence: the files attached to findings were not looked up: their events need RECTIFY_CIPHER_KEY")
    if evidence.unattached:
        n = len(evidence.unattached)
        print(f"evidence: {n:,} stored file{'' if n == 1 else 's'} no event names (nobody's evidence, not a fault)")
    if evidence.ok:
        print(f"evidence intact: {evidence.checked:,} stored files hash to their sha256")
        return
    print(f"evidence BROKEN: {len(evidence.broken) + len(evidence.missing)} of the files fail")
    for sha256 in evidence.broken:
        print(f"  {sha256}: the stored bytes no longer hash to it")
    for sha256 in evidence.missing:
        print(f"  {sha256}: attached to a finding, but no bytes are stored")


def printed_seal(text: str) -> tuple[int, str]:
    """`12345:9f86…` as printed on a circular: the position and the seal."""
    match = PRINTED_SEAL.match(text.strip().lower())
    if match is None:
        raise CommandError(f"a checkpoint is POSITION:SEAL as printed on a circular (64 hex digits), not {text!r}")
    return int(match[1]), match[2]
