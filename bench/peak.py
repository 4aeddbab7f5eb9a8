"""Run a `rectify` command and print its peak resident memory: `python -m bench.peak ARGS…`.

The peak is the process's own high-water mark (VmHWM), read as it ends:
`ru_maxrss` would also count the memory of the process that started it, which
the child shares until it replaces itself with Python. A rebuild that loads in
several processes (`service.rebuild_parts`) starts the others itself: the
largest of theirs (`ru_maxrss` of the children it waited for, which counts
this process's memory when it started them, before it loaded anything) is
printed when it is larger.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

from service.cli import main

PEAK_PREFIX = "peak resident memory (kB):"


def peak_kb() -> int:
    """The largest peak of this process's and of its children's."""
    return max(own_peak_kb(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def own_peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("/proc/self/status has no VmHWM line")


if __name__ == "__main__":
    status = main(sys.argv[1:])
    print(PEAK_PREFIX, peak_kb(), file=sys.stderr)
    raise SystemExit(status)
