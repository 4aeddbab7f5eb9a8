"""The console's blueprint and what every page shares; sign-in, sign-out, the 工作台 and the 问题清单.

The other pages are modules of this package that add their routes to `blp` (see `PAGES` in `__init__`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug import exceptions as werkzeug_exceptions
from werkzeug.exceptions import Forbidden, HTTPException, TooManyRequests
from werkzeug.wrappers import Response

from domain.errors import NotAuthenticated, NotFound, RoleNotPermitted, UnknownUnit
from domain.values import Severity, Source, Status, Term
from projections.listing import InvalidCursor, Sort
from projections.reports.labels import Labels
from service.console.finding_list import FLAGS, WORDS, due_date_query, list_arguments, page_query
from service.console.menu import menu_of, other_language_url
from service.console.signing_in import session_actor, sign_in, sign_out
from service.console.words import Words, language, words
from service.console.workbench import waiting_for
from service.errors import retry_after
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


def page(template: str, status: int = 200, more: Words | None = None, **context: Any) -> tuple[str, int]:
    """A page in the session's language, with the console's words and the page's own (`more`)."""
    day = Labels.of(g.lang).full_date  # 2026年11月30日, or 30 November 2026: as the circular writes a date
    actor = g.get("actor")
    return render_template(
        template,
        lang=g.lang,
        t=words(g.lang, more),
        actor=actor,
        day=day,
        menu=menu_of(actor),
        other_language=other_language_url(g.lang),
        **context,
    ), status


@blp.errorhandler(HTTPException)
@blp.errorhandler(TooManyRequests)  # named too, or the app's own handler of it (JSON) would come first
def error_page(error: HTTPException) -> Any:
    """A refused console request gets a page in the user's language, not the API's JSON: a form without its
    CSRF token (400), too many sign-ins (429, with Retry-After), an address that is not there (404)."""
    g.lang = g.get("lang") or language()
    if "actor" not in g and request.endpoint not in OPEN_ENDPOINTS:
        session_actor()  # refused before the session was read (a form without its CSRF token): still signed in
    status = error.code or 500
    wait = retry_after(error) if isinstance(error, TooManyRequests) else None
    csrf = isinstance(error, CSRFError)
    text, response_status = page("console/error.html", status, problem=status, csrf=csrf, wait=wait)
    headers = {"Retry-After": str(wait)} if wait is not None else {}
    return text, response_status, headers


@blp.errorhandler(NotFound)
@blp.errorhandler(RoleNotPermitted)
def refused_page(error: NotFound | RoleNotPermitted) -> Any:
    """A finding that is not there or not in the user's scope (404, alike), or an action not of the user's role."""
    return error_page(werkzeug_exceptions.NotFound() if isinstance(error, NotFound) else Forbidden())


@blp.route("/<path:anything>")
def nothing_here(anything: str) -> Any:
    """An address under /console that no page has: the console's own 404 page."""
    raise werkzeug_exceptions.NotFound()


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
    """问题清单: the finding list with the API's filters, search, orders and cursors, within the user's scope."""
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
        more=WORDS,
        found=found,
        problems=problems,
        query=query,
        next_query=next_query,
        first_query=page_query(query),
        due_date_query=due_date_query(query),
        sorts=list(Sort),
        today=side.today(),
        statuses=list(Status),
        sources=list(Source),
        severities=list(Severity),
        terms=list(Term),
        flags=FLAGS,
    )
