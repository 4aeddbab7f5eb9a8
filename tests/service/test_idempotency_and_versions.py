"""Repeats that record once (Idempotency-Key), and changes that never pass each other (If-Match, races)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask.testing import FlaskClient

from service import create_app
from service.config import build_application, load_settings
from tests.service.conftest import finding_body
from tests.service.helpers import API, assert_error, command, history, last_position, ok

WORKERS = 4


@contextmanager
def another_worker(store_url: str) -> Iterator[FlaskClient]:
    """A second process's view of the same store: its own application and Flask app."""
    application = build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))
    try:
        yield create_app({"RECTIFY_DATABASE_URL": store_url, "TESTING": True}, application=application).test_client()
    finally:
        application.close()


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return headers | {"Idempotency-Key": key}


def race(clients: list[FlaskClient], send) -> list:
    """Let every client send at once; the answers, in client order."""
    barrier = threading.Barrier(len(clients))
    answers: list = [None] * len(clients)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            answers[index] = send(clients[index])
        except Exception as error:  # noqa: BLE001 - reported by the assertions below
            answers[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


# Idempotency-Key.


def test_repeated_issue_with_the_same_key_answers_the_first_answer_and_records_nothing(client, auth, application):
    headers, body = keyed(auth["inspector"], "issue-0001"), finding_body()
    first = client.post(f"{API}/findings", json=body, headers=headers)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    before = last_position(application)
    again = client.post(f"{API}/findings", json=body, headers=headers)
    assert last_position(application) == before
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.status_code == first.status_code  # the first answer: 201
    assert again.headers.get("Location") == first.headers["Location"]


def test_repeated_command_with_the_same_key_answers_the_same_version_and_position(client, auth, issue, application):
    finding = issue()
    headers = keyed(auth["bj"], "assign-1")
    first = ok(command(client, finding, "assign", headers, assignee="王芳"))
    before = last_position(application)
    response = command(client, finding, "assign", headers, assignee="王芳")
    again = ok(response)
    assert response.headers["Idempotent-Replayed"] == "true"
    assert response.headers["ETag"] == '"2"'
    assert (again["version"], again["position"]) == (first["version"], first["position"]) == (2, first["position"])
    assert again == first
    assert last_position(application) == before
    assert len(history(client, auth, finding)) == 2


def test_a_repeat_answers_the_first_answer_even_after_later_changes_and_a_stale_if_match(client, auth, issue):
    finding = issue()
    headers = keyed(auth["bj"], "assign-first") | {"If-Match": '"1"'}
    first = ok(command(client, finding, "assign", headers, assignee="王芳"))
    ok(command(client, finding, "assign", auth["bj"], assignee="李强"))
    again = ok(command(client, finding, "assign", headers, assignee="王芳"))
    assert again["version"] == 2 and again["assignee"] == "王芳" and again["position"] == first["position"]
    assert ok(client.get(f"{API}/findings/{finding['id']}", headers=auth["bj"]))["assignee"] == "李强"


def test_same_key_with_another_body_or_endpoint_is_422_and_records_nothing(client, auth, issue, application):
    finding, other = issue(), issue()
    headers = keyed(auth["bj"], "assign-2")
    ok(command(client, finding, "assign", headers, assignee="王芳"))
    before = last_position(application)
    assert_error(command(client, finding, "assign", headers, assignee="李强"), 422, "idempotency_key_reused")
    assert_error(command(client, other, "assign", keyed(auth["bj"], "assign-2"), assignee="王芳"), 422)
    assert_error(command(client, finding, "escalate", keyed(auth["bj"], "assign-2"), note="n"), 422)
    assert last_position(application) == before


def test_keys_are_per_user(client, auth, application):
    first = ok(client.post(f"{API}/findings", json=finding_body(), headers=keyed(auth["inspector"], "k")), 201)
    response = client.post(f"{API}/findings", json=finding_body(), headers=keyed(auth["admin"], "k"))
    second = ok(response, 201)
    assert "Idempotent-Replayed" not in response.headers
    assert second["id"] != first["id"]
    ok(command(client, second, "escalate", keyed(auth["inspector"], "note-1"), note="n"))
    before = last_position(application)
    response = command(client, second, "assign", keyed(auth["bj"], "note-1"), assignee="王芳")
    assert ok(response)["version"] == 3
    assert "Idempotent-Replayed" not in response.headers
    assert last_position(application) == before + 1


def test_a_refused_request_does_not_use_up_its_key(client, auth, issue, application):
    finding = issue()
    headers = keyed(auth["bj"], "assign-3")
    assert_error(command(client, finding, "assign", headers), 422, field="assignee")
    assert_error(command(client, finding, "rectify", headers, measures="m"), 409, "invalid_transition")
    response = command(client, finding, "assign", headers, assignee="王芳")
    assert ok(response)["version"] == 2
    assert "Idempotent-Replayed" not in response.headers


def test_malformed_idempotency_key_is_400(client, auth, issue, application):
    finding = issue()
    before = last_position(application)
    for key in ("x" * 201, "has space", "\t"):
        response = command(client, finding, "assign", keyed(auth["bj"], key), assignee="王芳")
        assert_error(response, 400, "malformed_request")
    assert last_position(application) == before


def test_key_survives_a_new_worker_over_the_same_store(client, auth, issue, application, store_url):
    finding = issue()
    headers = keyed(auth["bj"], "assign-restart")
    first = ok(command(client, finding, "assign", headers, assignee="王芳"))
    before = last_position(application)
    with another_worker(store_url) as restarted:
        response = command(restarted, finding, "assign", headers, assignee="王芳")
        assert ok(response) == first
        assert response.headers["Idempotent-Replayed"] == "true"
        assert_error(command(restarted, finding, "assign", headers, assignee="李强"), 422, "idempotency_key_reused")
    assert last_position(application) == before


def test_concurrent_repeats_with_one_key_record_once(auth, issue, application, store_url):
    finding = issue()
    headers = keyed(auth["bj"], "assign-race")
    before = last_position(application)
    with another_worker(store_url) as a, another_worker(store_url) as b, another_worker(store_url) as c:
        answers = race([a, b, c], lambda worker: command(worker, finding, "assign", headers, assignee="王芳"))
    assert all(not isinstance(answer, Exception) for answer in answers), answers
    assert [answer.status_code for answer in answers] == [200, 200, 200], [a.get_json() for a in answers]
    assert sum("Idempotent-Replayed" not in answer.headers for answer in answers) == 1
    assert len({(answer.get_json()["version"], answer.get_json()["position"]) for answer in answers}) == 1
    assert last_position(application) == before + 1


# If-Match.


def test_if_match_with_the_current_version_from_an_etag_succeeds(client, auth, issue):
    finding = issue()
    response = command(client, finding, "assign", auth["bj"] | {"If-Match": '"1"'}, assignee="王芳")
    assert ok(response)["version"] == 2
    response = command(
        client, finding, "escalate", auth["inspector"] | {"If-Match": response.headers["ETag"]}, note="n"
    )
    assert ok(response)["version"] == 3


def test_if_match_with_a_stale_version_is_412_and_records_nothing(client, auth, issue, application):
    finding = issue()
    ok(command(client, finding, "assign", auth["bj"], assignee="王芳"))
    before = last_position(application)
    for stale in ('"1"', '"3"', '"0"'):
        response = command(client, finding, "assign", auth["bj"] | {"If-Match": stale}, assignee="李强")
        assert_error(response, 412, "version_mismatch")
    assert last_position(application) == before
    assert ok(client.get(f"{API}/findings/{finding['id']}", headers=auth["bj"]))["assignee"] == "王芳"


def test_malformed_if_match_is_400(client, auth, issue, application):
    finding = issue()
    before = last_position(application)
    for value in ('"abc"', '"1", "2"', "v1", '"-1"', ""):
        response = command(client, finding, "assign", auth["bj"] | {"If-Match": value}, assignee="王芳")
        assert_error(response, 400, "malformed_request")
    assert last_position(application) == before


# Races between workers.


def test_concurrent_commands_from_one_version_never_both_succeed(client, auth, issue, application, store_url):
    finding = issue()
    before = last_position(application)
    workers = [another_worker(store_url) for _ in range(WORKERS)]
    clients = [worker.__enter__() for worker in workers]
    try:
        answers = race(
            clients,
            lambda worker: command(
                worker, finding, "assign", auth["bj"] | {"If-Match": '"1"'}, assignee=f"person-{id(worker)}"
            ),
        )
    finally:
        for worker in workers:
            worker.__exit__(None, None, None)
    assert all(not isinstance(answer, Exception) for answer in answers), answers
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(200) == 1, [answer.get_json() for answer in answers]
    for answer in answers:
        if answer.status_code != 200:
            assert answer.status_code in (409, 412)
            assert_error(answer, answer.status_code)
    assert last_position(application) == before + 1
    assert [e["version"] for e in history(client, auth, finding)] == [1, 2]


RACERS = 8
REASSIGNMENTS = 6


def test_racing_commands_without_if_match_are_all_recorded_in_turn(client, auth, issue, store_url):
    findings = [issue(), issue()]
    workers = [another_worker(store_url) for _ in range(RACERS)]
    clients = [worker.__enter__() for worker in workers]

    def reassign_in_turn(worker: FlaskClient) -> list:
        return [
            command(worker, findings[n % 2], "assign", auth["bj"], assignee=f"person-{id(worker)}-{n}")
            for n in range(REASSIGNMENTS)
        ]

    try:
        answers = race(clients, reassign_in_turn)
    finally:
        for worker in workers:
            worker.__exit__(None, None, None)
    assert all(not isinstance(answer, Exception) for answer in answers), answers
    statuses = [response.status_code for answers_of_one in answers for response in answers_of_one]
    refused = [
        response.get_json() for answers_of_one in answers for response in answers_of_one if response.status_code != 200
    ]
    assert statuses == [200] * RACERS * REASSIGNMENTS, refused
    for finding in findings:  # every command recorded once (PostgreSQL's positions have gaps where a race was lost)
        assert len(history(client, auth, finding)) == 1 + RACERS * REASSIGNMENTS // 2
    versions = sorted(response.get_json()["version"] for answers_of_one in answers for response in answers_of_one)
    assert versions == sorted(list(range(2, 2 + RACERS * REASSIGNMENTS // 2)) * 2)


def test_a_racing_command_is_judged_again_on_the_version_it_lost_to(client, auth, issue, application, store_url):
    finding = issue()
    before = last_position(application)
    with another_worker(store_url) as a, another_worker(store_url) as b:
        answers = race([a, b], lambda worker: command(worker, finding, "withdraw", auth["inspector"], reason="错发"))
    assert all(not isinstance(answer, Exception) for answer in answers), answers
    assert sorted(answer.status_code for answer in answers) == [200, 409], [a.get_json() for a in answers]
    refused = next(answer for answer in answers if answer.status_code == 409)
    assert refused.get_json()["code"] != "concurrent_change", refused.get_json()  # withdrawn already, not a race
    assert last_position(application) == before + 1
