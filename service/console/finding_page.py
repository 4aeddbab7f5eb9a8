"""A finding's page: its fields, its timeline and evidence, and the actions this user may take now, as forms.

Each form posts to `/console/findings/{id}/{command}` the fields of the API's body for that command; the same
schema reads them and the same application method records them, expecting the version the page showed. Done,
the page is shown again with a notice (303); refused, with the rule's message beside the form, and nothing recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import current_app, flash, g, get_flashed_messages, redirect, request, url_for
from marshmallow import Schema, ValidationError

from domain.errors import NotFound, RectifyError, UnitNotFound
from domain.lifecycle import commands_open
from domain.values import Outcome
from projections.reports.labels import Labels
from service.commands import CommandResult
from service.console.finding_actions import Refusal, command_input, invalid_fields, rule_broken, typed_in
from service.console.finding_timeline import Speech, size_text, timeline
from service.console.finding_words import FIELD_MESSAGES, WORDS
from service.console.views import blp, page
from service.console.words import words
from service.evidence.attaching import Attachment
from service.evidence.schemas import EvidenceFormSchema
from service.evidence.types import MEDIA_TYPES, EvidencePolicy
from service.evidence.views import offered_file
from service.findings import schemas
from service.findings.views import application
from service.reads import read_side

DONE = "done"  # the category of the notices flashed after a form


@blp.route("/findings/<uuid:finding_id>", methods=["GET"])
def finding(finding_id: UUID) -> Any:
    """A finding: its fields, timeline and files of evidence, and the forms of the actions open to this user now."""
    return finding_shown(finding_id)


@blp.route("/findings/<uuid:finding_id>/evidence/<sha256>", methods=["GET"])
def evidence_file(finding_id: UUID, sha256: str) -> Any:
    """A file of evidence, as the API's download answers it, to a user who may read the finding."""
    return offered_file(finding_id, g.actor, sha256)


def finding_shown(finding_id: UUID, refusal: Refusal | None = None) -> Any:
    """The finding's page as the store has it now; after a refused form, with its refusal beside that form."""
    record = application().history(finding_id, g.actor, read_side().seal_marks)
    finding, events = record["finding"], record["events"]
    speech = Speech(g.lang, words(g.lang, WORDS), Labels.of(g.lang).full_date, application().timezone)
    files = attached_files(finding, events)
    intact = finding is not None and not record["missing_versions"]
    commands = commands_open(g.actor, finding["status"]) if intact else ()
    return page(
        "console/finding.html",
        refusal.status if refusal else 200,
        more=WORDS,
        finding=finding,
        unit_name=unit_name(finding["unit"]) if finding else None,
        timeline=timeline(events, {file["sha256"]: file["filename"] for file in files}, speech),
        files=files,
        missing_versions=record["missing_versions"],
        actions=commands,
        outcomes=list(Outcome),
        refusal=refusal,
        field_messages=FIELD_MESSAGES,
        notices=get_flashed_messages(category_filter=[DONE]),
        moment=speech.moment,
        upload=upload_rules(),
        zone=application().timezone.key,
    )


def upload_rules() -> dict[str, Any]:
    """What the evidence form tells before a file is chosen: the kinds allowed and the size, as the settings say."""
    policy = EvidencePolicy.from_settings(current_app.config)
    kinds = [kind for kind in MEDIA_TYPES if kind in policy.kinds]
    extensions = [*kinds, *(["jpg"] if "jpeg" in kinds else [])]
    return {
        "kinds": [kind.upper() for kind in kinds],
        "accept": ",".join(f".{extension}" for extension in extensions),
        "max_mb": current_app.config["RECTIFY_EVIDENCE_MAX_MB"],
    }


def attached_files(finding: dict[str, Any] | None, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The finding's files of evidence, oldest first, each with who attached it and when, and its size in words."""
    attached = {event["data"].get("sha256"): event for event in events if event["type"] == "EvidenceAttached"}
    return [
        file | {"size_text": size_text(file["size"]), "event": attached.get(file["sha256"])}
        for file in (finding["files"] if finding else [])
    ]


def unit_name(code: str) -> str | None:
    """The registered name of a unit (none if it has none)."""
    try:
        return application().get_unit(code).name
    except UnitNotFound:
        return None


def act(finding_id: UUID, command: str, schema: Schema, give: Callable[..., Any]) -> Any:
    """Give a command from its form, expecting the version shown: done, back to the page with a notice (303);
    refused, the page again with the refusal beside the form, nothing recorded."""
    typed = typed_in(request.form)
    try:
        options, fields = command_input(schema, typed, application().timezone, request.files)
        result = give(finding_id, g.actor, options, **fields)
    except ValidationError as error:
        return finding_shown(finding_id, invalid_fields(command, error, typed))
    except NotFound:
        raise  # outside the user's scope, or not there: the 404 page, alike
    except RectifyError as error:
        return finding_shown(finding_id, rule_broken(command, error, typed))
    notice, g.position_written = what_was_done(command, result)  # the request log's position written
    flash(notice, DONE)
    return redirect(url_for("console.finding", finding_id=finding_id), 303)


def what_was_done(command: str, result: CommandResult | Attachment) -> tuple[str, int | None]:
    """The notice of a command done, and the position it recorded (none: a file the finding held already)."""
    if isinstance(result, Attachment):
        return ("evidence", result.result.position) if result.recorded else ("evidence_again", None)
    return command, result.position


@blp.route("/findings/<uuid:finding_id>/assign", methods=["POST"])
def assign(finding_id: UUID) -> Any:
    """Assign or reassign the finding (the API's assign)."""
    return act(finding_id, "assign", schemas.AssignSchema(), application().assign)


@blp.route("/findings/<uuid:finding_id>/evidence", methods=["POST"])
def evidence(finding_id: UUID) -> Any:
    """Attach a file of evidence (the API's evidence upload, multipart field `file`)."""
    return act(finding_id, "evidence", EvidenceFormSchema(), attach_file)


def attach_file(finding_id: UUID, actor: Any, options: Any, *, file: Any) -> Attachment:
    """The API's attaching of an uploaded file, under the evidence policy of the settings."""
    policy = EvidencePolicy.from_settings(current_app.config)
    return application().attach_evidence(
        finding_id, actor, options, upload=file.stream, filename=file.filename, policy=policy
    )


@blp.route("/findings/<uuid:finding_id>/rectify", methods=["POST"])
def rectify(finding_id: UUID) -> Any:
    """Report the fix: measures, and evidence (the API's rectify)."""
    return act(finding_id, "rectify", schemas.RectifySchema(), application().rectify)


@blp.route("/findings/<uuid:finding_id>/review", methods=["POST"])
def review(finding_id: UUID) -> Any:
    """Accept the fix and close the finding, or send it back (the API's review)."""
    return act(finding_id, "review", schemas.ReviewSchema(), application().review)


@blp.route("/findings/<uuid:finding_id>/extend", methods=["POST"])
def extend(finding_id: UUID) -> Any:
    """Grant a later deadline (the API's extend)."""
    return act(finding_id, "extend", schemas.ExtendSchema(), application().extend)


@blp.route("/findings/<uuid:finding_id>/escalate", methods=["POST"])
def escalate(finding_id: UUID) -> Any:
    """Send a supervision notice, 督办 (the API's escalate)."""
    return act(finding_id, "escalate", schemas.EscalateSchema(), application().escalate)


@blp.route("/findings/<uuid:finding_id>/reopen", methods=["POST"])
def reopen(finding_id: UUID) -> Any:
    """Reopen a closed finding, 回头看 (the API's reopen)."""
    return act(finding_id, "reopen", schemas.ReasonSchema(), application().reopen)


@blp.route("/findings/<uuid:finding_id>/withdraw", methods=["POST"])
def withdraw(finding_id: UUID) -> Any:
    """Withdraw a finding issued in error (the API's withdraw)."""
    return act(finding_id, "withdraw", schemas.ReasonSchema(), application().withdraw)
