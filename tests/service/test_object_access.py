"""Object-level access: outside a unit token's subtree, a finding or a unit answers as one that does not exist."""

from __future__ import annotations

import uuid

from tests.service.conftest import finding_body
from tests.service.helpers import API, assert_error, command, days_after, last_position, rectified

COMMANDS = (
    ("assign", {"assignee": "x"}),
    ("rectify", {"measures": "m"}),
    ("review", {"outcome": "accepted", "comment": "c"}),
    ("extend", {"due_date": None, "reason": "r"}),
    ("escalate", {"note": "n"}),
    ("reopen", {"reason": "r"}),
    ("withdraw", {"reason": "r"}),
)


def answers_for(client, finding_id: str, headers: dict[str, str], due_date: str) -> list[tuple[int, dict]]:
    """Status and body of every read and every command on one finding id, its id replaced by `ID`."""
    requests = [client.get(f"{API}/findings/{finding_id}", headers=headers)]
    requests.append(client.get(f"{API}/findings/{finding_id}/history", headers=headers))
    for name, body in COMMANDS:
        body = {key: value or days_after(due_date, 30) for key, value in body.items()}
        requests.append(command(client, {"id": finding_id}, name, headers, **body))
    requests.append(command(client, {"id": finding_id}, "assign", headers | {"If-Match": '"1"'}, assignee="x"))
    answers = []
    for response in requests:
        body = assert_error(response, 404, "finding_not_found")
        answers.append((response.status_code, {**body, "message": body["message"].replace(finding_id, "ID")}))
    return answers


def test_a_finding_outside_a_unit_tokens_subtree_answers_exactly_as_a_missing_one(client, auth, issue, application):
    elsewhere, above = issue(unit="SH"), issue(unit="HQ")
    rectified(client, auth, elsewhere, by="sh")
    before = last_position(application)
    missing = answers_for(client, str(uuid.uuid4()), auth["bj"], elsewhere["due_date"])
    for finding in (elsewhere, above):
        assert answers_for(client, finding["id"], auth["bj"], finding["due_date"]) == missing
    assert last_position(application) == before


def test_no_answer_to_a_unit_token_names_another_unit(client, auth, issue):
    finding = issue(unit="SH")
    for response in (
        client.get(f"{API}/findings/{finding['id']}", headers=auth["bj"]),
        command(client, finding, "assign", auth["bj"], assignee="x"),
    ):
        text = response.get_data(as_text=True)
        assert response.status_code == 404 and "SH" not in text and "BJ" not in text, text


def test_a_unit_token_asking_for_another_subtree_gets_the_answer_for_an_unregistered_unit(
    client, auth, issue, projector
):
    position = issue(unit="SH")["position"]
    for path in ("findings", "circulars/weekly"):
        answers = []
        for unit in ("SH", "HQ", "XX"):
            query = {"unit": unit, "min_position": position}
            response = client.get(f"{API}/{path}", query_string=query, headers=auth["bj"])
            body = assert_error(response, 422, "unknown_unit", field="unit")
            answers.append(str(body).replace(f"unit {unit} ", "unit U "))
        assert answers[0] == answers[1] == answers[2], answers
    assert client.get(f"{API}/findings", query_string={"unit": "SH"}, headers=auth["auditor"]).status_code == 200


def test_an_issuer_still_hears_403_for_a_role_that_may_not_act(client, auth):
    response = client.post(f"{API}/findings", json=finding_body(unit="SH"), headers=auth["sh"])
    assert_error(response, 403, "role_not_permitted")
