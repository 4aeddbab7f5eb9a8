"""Signing in to the console from a test client, and reading what its pages show."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.service.helpers import API, ok

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
QUEUE = re.compile(
    r'data-queue="(\w+)">\s*<a href="([^"]+)">\s*<span class="label">([^<]*)</span>\s*<span class="count">(\d+)<'
)


def token_of(auth, name: str) -> str:
    return auth[name]["Authorization"].removeprefix("Bearer ")


def csrf_token(client: FlaskClient, path: str = "/console/login") -> str:
    """The CSRF token of the form on a console page."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return CSRF_FIELD.search(response.get_data(as_text=True)).group(1)


def sign_in(client: FlaskClient, name: str, token: str):
    return client.post("/console/login", data={"name": name, "token": token, "csrf_token": csrf_token(client)})


def signed_in(client: FlaskClient, auth, name: str) -> FlaskClient:
    response = sign_in(client, name, token_of(auth, name))
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/"), response.status_code
    return client


def queues(client: FlaskClient, query: str = "") -> dict[str, tuple[str, str, int]]:
    """The 工作台's queues by name: the link, the label shown and the count."""
    response = client.get(f"/console/{query}")
    assert response.status_code == 200, response.status_code
    found = QUEUE.findall(response.get_data(as_text=True))
    return {key: (link.replace("&amp;", "&"), label, int(count)) for key, link, label, count in found}


def caught_up(client: FlaskClient, auth, position: int) -> None:
    """Wait until the read model has processed `position` (the API's list waits for it)."""
    ok(client.get(f"{API}/findings", query_string={"min_position": position}, headers=auth["auditor"]))
