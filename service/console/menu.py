"""The console's menu, by role, and the link that shows the same page in the other language."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request

from domain.values import Actor, Role

# The console's pages at the addresses the design fixes, each for the roles that work on it (None: everyone).
MENU: tuple[tuple[str, str, tuple[Role, ...] | None], ...] = (
    ("workbench", "/console/", None),
    ("findings", "/console/findings", None),
    ("issue", "/console/findings/new", (Role.INSPECTOR,)),
    ("imports", "/console/imports", (Role.INSPECTOR,)),
    ("circulars", "/console/circulars", None),
    ("audit", "/console/audit", (Role.AUDITOR,)),
)


def menu_of(actor: Actor | None) -> list[tuple[str, str]]:
    """The menu's entries (word, address) this user may open; none before sign-in."""
    if actor is None:
        return []
    return [(key, path) for key, path, roles in MENU if roles is None or actor.may(*roles)]


def other_language_url(lang: str) -> str:
    """This page's address with the same query, in the other language."""
    query = {key: values for key, values in request.args.lists() if key != "lang"}
    return f"{request.path}?{urlencode(query | {'lang': 'en' if lang == 'zh' else 'zh'}, doseq=True)}"
