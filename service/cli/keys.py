"""`rectify keygen`: a new key for RECTIFY_CIPHER_KEY."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from eventsourcing.cipher import AESCipher


def add_parser(commands: Any) -> None:
    """The `keygen` command."""
    commands.add_parser("keygen", help="print a new RECTIFY_CIPHER_KEY (AES-256, base64)").set_defaults(handler=keygen)


def keygen(args: argparse.Namespace) -> int:
    """Print a new 32-byte AES key; the warning goes to stderr, so `$(rectify keygen)` captures the key alone."""
    print(AESCipher.create_key(num_bytes=32))
    print("keep this key safe and apart from the store: without it the stored events cannot be read", file=sys.stderr)
    return 0
