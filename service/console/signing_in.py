"""Who a console request acts as: the session's user, looked up again on every request."""

from __future__ import annotations

from flask import current_app, g, session

from domain.errors import NotAuthenticated
from domain.values import Actor
from service.accounts import token_hash
from service.auth import count_failed_authentication
from service.console.words import LANGUAGES


def sign_in(name: str, token: str) -> Actor:
    """The actor of a valid token whose user is `name`, now signed in; a refusal counts as a failed authentication."""
    try:
        actor = current_app.extensions["rectify"].authenticate(token)
        if actor.name != name:
            raise NotAuthenticated("the token is not this user's")
    except NotAuthenticated:
        count_failed_authentication()  # past the limit: a 429 instead of the form again
        raise
    language = session.get("lang")
    session.clear()  # a fresh session: nothing from before the sign-in is carried over but the language
    session.update(user=name, token=token_hash(token), lang=language or LANGUAGES[0])
    session.permanent = True
    return actor


def sign_out() -> None:
    """End the session (the language chosen is kept for the sign-in page)."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def session_actor() -> Actor | None:
    """The session's user, if it is still signed in with a token that is still valid (None: sign in again).

    Looked up in the store on every request, so a token revoked in any worker ends the session at once.
    """
    name, hashed = session.get("user"), session.get("token")
    if not isinstance(name, str) or not isinstance(hashed, str):
        return None
    try:
        g.actor = current_app.extensions["rectify"].session_actor(name, hashed)
    except NotAuthenticated:
        sign_out()
        return None
    return g.actor
