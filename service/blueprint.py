"""flask-smorest's Blueprint with a JSON parser that refuses what no store can keep."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import flask
import flask_smorest
from marshmallow import RAISE
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.datastructures import CombinedMultiDict


def lone_surrogates(data: Any) -> bool:
    """Whether any key or string in decoded JSON holds a lone surrogate (JSON allows it, UTF-8 does not)."""
    pending = [data]
    while pending:  # no recursion: the JSON may be nested as deep as the decoder allows
        item = pending.pop()
        if isinstance(item, str):
            if any("\ud800" <= char <= "\udfff" for char in item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class StrictJSONParser(FlaskParser):
    """webargs' parser, answering 400 for bodies that decode but cannot be stored or answered.

    Unknown query arguments are refused too (webargs drops them by default), so a misspelt
    filter is a 422 naming it rather than a list that silently ignores it.
    """

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE, "querystring": RAISE}

    def _raw_load_json(self, req: flask.Request) -> Any:
        if req.get_data(cache=True) and not is_json_request(req):
            abort(415, messages={"json": ["Send the body as JSON, with Content-Type: application/json."]})
        try:
            data = super()._raw_load_json(req)
        except RecursionError:
            abort(400, messages={"json": ["The JSON body is nested too deeply."]})
        except json.JSONDecodeError:
            raise  # webargs answers these (an empty body is no body)
        except ValueError:  # a number past Python's int-string limit, which the decoder raises as a plain ValueError
            abort(400, messages={"json": ["The JSON body holds a number too long to read."]})
        if data is not core.missing and lone_surrogates(data):
            abort(400, messages={"json": ["The JSON body holds text that is not valid Unicode (a lone surrogate)."]})
        return data


DocumentAmendment = Callable[[dict[str, Any]], None]


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with the strict parser, and amendments to the schemas it documents.

    An amendment says in the OpenAPI document what marshmallow checks but apispec cannot write
    (a rule across fields): it gets the document's schema components once the views are documented.
    """

    ARGUMENTS_PARSER = StrictJSONParser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.amendments: list[DocumentAmendment] = []

    def amend_document(self, amendment: DocumentAmendment) -> DocumentAmendment:
        """Register a function that changes the document's schema components (a decorator)."""
        self.amendments.append(amendment)
        return amendment

    def register_views_in_doc(self, api: Any, app: flask.Flask, spec: Any, *, name: str, parameters: Any) -> None:
        """Document the views, with the amendments, once the API's document is read (see `RectifyApi`)."""

        def document() -> None:
            super(Blueprint, self).register_views_in_doc(api, app, spec, name=name, parameters=parameters)
            for amendment in self.amendments:
                amendment(spec.components.schemas)

        defer = getattr(api, "defer_documenting", None)
        if defer is None:  # an Api of flask-smorest's own
            document()
        else:
            defer(document)


MULTIPART = "form"  # in a MultipartBlueprint, the whole multipart form: its fields and its files, one body


class MultipartParser(StrictJSONParser):
    """The project's parser, reading a form's fields and its files together (flask-smorest documents one body)."""

    def load_form(self, req: flask.Request, schema: Any) -> Any:
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class MultipartBlueprint(Blueprint):
    """A blueprint whose `form` arguments are one request body, `multipart/form-data`, in the document."""

    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        MULTIPART: "multipart/form-data",
    }
