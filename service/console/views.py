"""The console's pages: sign-in, sign-out and the 工作台."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from domain.errors import NotAuthenticated
from service.console.signing_in import session_actor, sign_in, sign_out
from service.console.words import language, words
from service.console.workbench import waiting_for
from service.reads import read_side

blp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates", static_folder="static")
OPEN_ENDPOINTS = ("console.login", "console.login_post", "console.static")


@blp.before_request
def require_session() -> Response | None:
    """Every form is checked for its CSRF token; every page but sign-in needs a user still signed in."""
    g.lang = language()
    if request.method == "POST":
        current_app.extensions["csrf_protect"].protect()
    if request.endpoint in OPEN_ENDPOINTS or session_actor() is not None:
        return None
    return redirect(url_for("console.login", signed_out=1))


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """A page in the session's language."""
    return render_template(template, lang=g.lang, t=words(g.lang), actor=g.get("actor"), **context), status


@blp.route("/login", methods=["GET"])
def login() -> Any:
    """The sign-in form."""
    return page("console/login.html", signed_out=bool(request.args.get("signed_out")))


@blp.route("/login", methods=["POST"])
def login_post() -> Any:
    """Sign in with a user name and that user's token."""
    name, token = request.form.get("name", "").strip(), request.form.get("token", "").strip()
    try:
        sign_in(name, token)
    except NotAuthenticated:
        return page("console/login.html", 401, refused=True, name=name)
    return redirect(url_for("console.workbench"))


@blp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Sign out: the session ends here."""
    sign_out()
    return redirect(url_for("console.login"))


@blp.route("/", methods=["GET"])
def workbench() -> Any:
    """工作台: what waits for this user, by role, with counts."""
    side = read_side()
    return page("console/workbench.html", queues=waiting_for(g.actor, side), today=side.today())
