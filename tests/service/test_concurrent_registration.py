"""Units and users registered at the same moment by several processes are all kept."""

from __future__ import annotations

import multiprocessing

from domain.values import Actor, Role
from service.config import build_application, load_settings

WORKERS = 4
EACH = 10


def register(url: str, worker: int, start: multiprocessing.synchronize.Event) -> list[str]:
    """One process: units and users of its own, registered as fast as it can once all are ready."""
    rectify = build_application(load_settings({"RECTIFY_DATABASE_URL": url}))
    start.wait()
    tokens = []
    for n in range(EACH):
        code = f"U{worker}-{n}"
        rectify.register_unit(Actor("setup", Role.ADMIN), code=code, name=f"单位{code}", parent="HQ")
        tokens.append(rectify.add_user(f"user{code}", Role.UNIT, code))
    rectify.close()
    return tokens


def test_units_and_users_added_at_once_are_all_listed_and_usable(application, store_url):
    context = multiprocessing.get_context("spawn")
    start = context.Manager().Event()
    with context.Pool(WORKERS) as pool:
        pending = [pool.apply_async(register, (store_url, worker, start)) for worker in range(WORKERS)]
        start.set()
        tokens = [token for result in pending for token in result.get(timeout=120)]
    expected = {f"U{worker}-{n}" for worker in range(WORKERS) for n in range(EACH)}
    assert expected <= {unit["code"] for unit in application.list_units()}
    assert {user["name"] for user in application.list_users()} == {f"user{code}" for code in expected}
    assert {application.authenticate(token).unit for token in tokens} == expected
