"""The console's pages: sign-in, sign-out, the 工作台 and the 问题清单."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from domain.errors import NotAuthenticated, UnknownUnit
from domain.values import Severity, Source, Status, Term
from projections.listing import InvalidCursor
from projections.reports.labels import Labels
from service.console.finding_list import FLAGS, list_arguments, page_query
from service.console.signing_in import session_actor, sign_in, sign_out
from service.console.words import language, words
from service.console.workbench import waiting_for
from service.reads import read_side
from service.schemas import plain

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
    day = Labels.of(g.lang).full_date  # 2026年11月30日, or 30 November 2026: as the circular writes a date
    return render_template(template, lang=g.lang, t=words(g.lang), actor=g.get("actor"), day=day, **context), status


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


@blp.route("/findings", methods=["GET"])
def findings() -> Any:
    """问题清单: the finding list with the API's filters, search and cursors, within the user's scope."""
    query = request.args.to_dict()
    args, problems = list_arguments(query)
    side = read_side()
    found = None
    if not problems:
        unit, cursor, limit = args.pop("unit", None), args.pop("cursor", None), args.pop("limit")
        args.pop("min_position", None)
        where = {key: plain(value) for key, value in args.items()}
        try:
            found = side.findings(g.actor, unit=unit, cursor=cursor, limit=limit, **where)
        except UnknownUnit as error:
            problems = {"unit": [str(error)]}
        except InvalidCursor as error:
            problems = {"cursor": [str(error)]}
    next_query = page_query(query, found.next_cursor) if found is not None and found.next_cursor else None
    return page(
        "console/findings.html",
        400 if problems else 200,
        found=found,
        problems=problems,
        query=query,
        next_query=next_query,
        first_query=page_query(query),
        today=side.today(),
        statuses=list(Status),
        sources=list(Source),
        severities=list(Severity),
        terms=list(Term),
        flags=FLAGS,
    )
