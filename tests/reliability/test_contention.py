"""Contention: sixteen clients send the same command from the same version at once; exactly one wins."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from domain.values import Actor, Role
from service import create_app
from service.application import Rectify
from service.config import build_application, load_settings

pytestmark = pytest.mark.long  # a fault or load run: `make test-long`

CLIENTS = 16
DEADLINE_SECONDS = 10
SETUP = Actor("setup", Role.ADMIN)


@contextmanager
def worker(store_url: str) -> Iterator[FlaskClient]:
    """One worker's application and Flask app over the shared store, as gunicorn runs one per process."""
    application = build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))
    try:
        yield create_app({"RECTIFY_DATABASE_URL": store_url, "TESTING": True}, application=application).test_client()
    finally:
        application.close()


@pytest.fixture
def rectify(store_url: str) -> Iterator[Rectify]:
    """The store with one unit, an inspector and a unit user."""
    application = build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))
    application.register_unit(SETUP, code="BJ", name="北京分公司")
    yield application
    application.close()


def issued_finding(client: FlaskClient, token: str) -> dict[str, Any]:
    due = (datetime.now(UTC) + timedelta(days=365)).date().isoformat()
    body = {
        "source": "inspection",
        "batch": "并发",
        "title": "同一命令",
        "description": "",
        "category": "",
        "severity": "general",
        "unit": "BJ",
        "due_date": due,
    }
    response = client.post("/api/v1/findings", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def all_at_once(clients: list[FlaskClient], send) -> list:
    """Every client sends when all are ready; the answers (or errors), in client order."""
    barrier = threading.Barrier(len(clients))
    answers: list = [None] * len(clients)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=DEADLINE_SECONDS)
            answers[index] = send(clients[index])
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            answers[index] = error

    threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a client is still waiting for its answer"
    return answers


def test_sixteen_clients_with_one_if_match_get_one_200_and_record_one_event(rectify, store_url):
    inspector = rectify.add_user("inspector", Role.INSPECTOR)
    unit_user = {"Authorization": f"Bearer {rectify.add_user('bj', Role.UNIT, 'BJ')}", "If-Match": '"1"'}
    with ExitStack() as stack:
        clients = [stack.enter_context(worker(store_url)) for _ in range(CLIENTS)]
        finding = issued_finding(clients[0], inspector)
        before = rectify.recorder.max_notification_id()
        started = time.perf_counter()
        answers = all_at_once(
            clients,
            lambda client: client.post(
                f"/api/v1/findings/{finding['id']}/assign", json={"assignee": "王芳"}, headers=unit_user
            ),
        )
        elapsed = time.perf_counter() - started
    assert all(not isinstance(answer, Exception) for answer in answers), answers
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(200) == 1 and set(statuses) <= {200, 409, 412}, statuses
    for answer in answers:
        body = answer.get_json()
        if answer.status_code == 200:
            assert body["version"] == 2 and body["assignee"] == "王芳"
        else:
            assert set(body) == {"code", "message", "errors"}, body
    events = rectify.recorder.select_notifications(start=before + 1, limit=100)
    assert [(n.originator_id, n.originator_version) for n in events] == [(events[0].originator_id, 2)]
    assert str(events[0].originator_id) == finding["id"]
    assert elapsed < DEADLINE_SECONDS, elapsed
    print(
        f"contention: {statuses.count(200)}×200, {statuses.count(412)}×412, {statuses.count(409)}×409 in {elapsed:.2f}s"
    )
