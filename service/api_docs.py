"""The API docs page: Swagger UI from the installed `swagger-ui-bundle` package (offices often have no internet)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, abort, send_from_directory, url_for
from markupsafe import escape
from swagger_ui_bundle import swagger_ui_path

PATH = "/api/v1/docs"

# The only files of the bundle the page loads; nothing else of the package is served.
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"})

# Kept in a file of its own rather than inline, so the page's policy can refuse every inline script.
STARTER = """window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: container.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "BaseLayout"
  });
});
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Rectify API</title>
<link rel="icon" type="image/png" href="{favicon}">
<link rel="stylesheet" href="{css}">
</head>
<body>
<div id="swagger-ui" data-spec-url="{spec}"></div>
<script src="{bundle}"></script>
<script src="{preset}"></script>
<script src="{starter}"></script>
</body>
</html>
"""


def install_api_docs(app: Flask) -> None:
    """Serve the page where flask-smorest would (its endpoints' family, `api-docs.`), from installed files."""
    app.add_url_rule(PATH, endpoint="api-docs.openapi_swagger_ui", view_func=page)
    app.add_url_rule(f"{PATH}/assets/<name>", endpoint="api-docs.swagger_ui_asset", view_func=asset)


def page() -> Response:
    """The Swagger UI page over this service's OpenAPI document."""
    asset = "api-docs.swagger_ui_asset"
    html = PAGE.format(
        favicon=escape(url_for(asset, name="favicon-32x32.png")),
        css=escape(url_for(asset, name="swagger-ui.css")),
        spec=escape(url_for("api-docs.openapi_json")),
        bundle=escape(url_for(asset, name="swagger-ui-bundle.js")),
        preset=escape(url_for(asset, name="swagger-ui-standalone-preset.js")),
        starter=escape(url_for(asset, name="start.js")),
    )
    return Response(html, mimetype="text/html")


def asset(name: str) -> Response:
    """One file of the installed Swagger UI, or the script that starts it."""
    if name == "start.js":
        return Response(STARTER, mimetype="text/javascript")
    if name not in ASSETS:
        abort(404)
    return send_from_directory(Path(str(swagger_ui_path)), name, max_age=86400)
