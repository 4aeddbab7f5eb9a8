"""The tests' travelling clock in every Python process they start, while RECTIFY_TEST_NOW is set.

tests/conftest.py puts this folder on PYTHONPATH, and Python imports `sitecustomize` when it starts,
before any other code runs. Travelling in the test process alone would not reach the service:
`rectify serve` execs gunicorn, and gunicorn starts the projector with a fresh interpreter.
The clock read here is the tests' own, to the microsecond: RECTIFY_TEST_NOW was the time at the
real moment RECTIFY_TEST_NOW_SINCE (seconds since the epoch), and both have ticked since.
"""

import os


def travel_with_the_tests() -> None:
    """Travel to where the tests' clock is now, ticking, if the tests travel at all."""
    moment, since = os.environ.get("RECTIFY_TEST_NOW"), os.environ.get("RECTIFY_TEST_NOW_SINCE")
    if not moment or not since:
        return
    import time
    from datetime import datetime

    import time_machine

    # A timestamp, not a datetime: time-machine would set TZ for a datetime in a named zone.
    here = datetime.fromisoformat(moment).timestamp() + time.time() - float(since)
    time_machine.travel(here, tick=True).start()
    time.time()  # ticking starts at the first reading: take it now, before gunicorn forks its workers


travel_with_the_tests()
