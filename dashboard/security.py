"""Hardening of the web app: security headers, error handling without tracebacks, start-up checks.

- Every response carries the security headers (`SECURITY_HEADERS`) and, outside debug mode, a
  Content-Security-Policy whose `script-src` allows only the app's own files and the hashes of the
  inline scripts Dash writes into the index page (the renderer bootstrap and the clientside
  callbacks): no 'unsafe-inline', no 'unsafe-eval'. See the "Security" section of the README.
- A callback that raises is answered by `callback_error` (Dash's global `on_error`): the outputs
  are left unchanged, a French message shows in the shell's error alert, the traceback goes to the
  server log only.
- A malformed `/_dash-update-component` request (not JSON, not an object, missing keys, unknown
  output...) gets HTTP 400 with a short JSON message; an unavailable database gets HTTP 503 with a
  French page (or JSON for the app's XHR endpoints); any other error a French 500 page. Debug mode
  (`DASH_DEBUG=1`) keeps Dash's own error pages.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

import duckdb
from dash import Dash, set_props
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from . import db, ids

logger = logging.getLogger(__name__)

#: Largest request body accepted (callback payloads are a few kilobytes).
MAX_CONTENT_LENGTH = 2 * 1024 * 1024

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

#: The policy without its script hashes: see `content_security_policy`.
CSP_DIRECTIVES: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    # plotly.js writes <style> elements and style attributes; Dash and React set inline styles.
    "style-src": ("'self'", "'unsafe-inline'"),
    # plotly.js draws images and exports PNG through data: and blob: URLs.
    "img-src": ("'self'", "data:", "blob:"),
    "connect-src": ("'self'",),
    "font-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

#: Paths of the app's XHR endpoints, answered in JSON when something goes wrong.
_JSON_ENDPOINTS = ("/_dash-update-component", "/_dash-layout", "/_dash-dependencies")
#: Paths that never touch the database (static files).
_STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon", "/_reload-hash")

UNAVAILABLE_TITLE = "Tableau de bord momentanément indisponible"
UNAVAILABLE_TEXT = (
    "La base de données du tableau de bord est absente ou illisible. L'équipe d'exploitation doit la "
    "reconstruire (python -m dashboard build). Réessayez dans quelques minutes."
)
CALLBACK_ERROR_TEXT = (
    "Une erreur est survenue pendant la mise à jour : l'affichage n'a pas été modifié. "
    "Rechargez la page ; si le problème persiste, signalez-le à l'équipe du tableau de bord."
)
CALLBACK_UNAVAILABLE_TEXT = "La base de données est momentanément indisponible : l'affichage n'a pas été modifié."


class StartupError(RuntimeError):
    """The app cannot start (missing or unreadable database): the message says why, in plain words."""


def content_security_policy(app: Dash) -> str:
    """The CSP header value, with the hashes of the inline scripts of Dash's index page.

    Call it once every callback (and so every clientside callback) is registered.
    """
    directives = dict(CSP_DIRECTIVES)
    directives["script-src"] = (*directives["script-src"], *app.csp_hashes())
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def check_database(path: Path) -> None:
    """Raise StartupError unless `path` is a readable report database."""
    if not path.exists():
        raise StartupError(f"Base de données introuvable : {path}. Construisez-la avec « python -m dashboard build ».")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise StartupError(
            f"Base de données illisible : {path} ({str(exc).splitlines()[0]}). "
            "Reconstruisez-la avec « python -m dashboard build »."
        ) from exc
    try:
        con.execute("SELECT count(*) FROM facts").fetchone()
    except duckdb.Error as exc:
        raise StartupError(
            f"Base de données incomplète : {path} n'a pas de table « facts » lisible. "
            "Reconstruisez-la avec « python -m dashboard build »."
        ) from exc
    finally:
        con.close()


def callback_error(error: Exception) -> None:
    """Dash's global `on_error`: log the traceback, tell the user in French, update nothing."""
    unavailable = isinstance(error, (db.DatabaseUnavailable, duckdb.IOException))
    logger.error("callback failed: %s", error, exc_info=error)
    set_props(
        ids.ERROR_ALERT,
        {"children": CALLBACK_UNAVAILABLE_TEXT if unavailable else CALLBACK_ERROR_TEXT, "is_open": True},
    )
    return None


def _error_page(status: int, title: str, text: str) -> Response:
    body = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<link rel="stylesheet" href="/assets/01-bootstrap-5.3.9.min.css"></head>'
        f'<body class="p-5"><h1 class="h3">{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>'
    )
    return Response(body, status=status, mimetype="text/html")


def _json_error(status: int, message: str) -> Response:
    response = jsonify({"erreur": message})
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path.endswith(_JSON_ENDPOINTS)


def install(app: Dash, *, debug: bool) -> None:
    """Add the headers and error handlers to the app's Flask server.

    Call it once every callback is registered, before the first request: the CSP is computed at
    the first response, from the inline scripts Dash then writes into its index page.
    """
    server: Flask = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH
    csp: list[str] = []  # computed at the first response, once Dash has collected its inline scripts

    @server.after_request
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not debug:
            if not csp:
                csp.append(content_security_policy(app))
            response.headers.setdefault("Content-Security-Policy", csp[0])
        return response

    @server.before_request
    def _database_available() -> Response | None:
        """A clear 503 instead of a blank page when the database file is missing or unreadable."""
        if request.path.startswith(_STATIC_PREFIXES):
            return None
        try:
            db.cursor()
        except (db.DatabaseUnavailable, duckdb.Error):
            logger.exception("database unavailable")
            if _wants_json():
                return _json_error(503, UNAVAILABLE_TITLE)
            return _error_page(503, UNAVAILABLE_TITLE, UNAVAILABLE_TEXT)
        return None

    @server.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response | HTTPException:
        if request.path.endswith("/_dash-update-component") and error.code is not None and 400 <= error.code < 500:
            return _json_error(400, "Requête de mise à jour invalide.")
        return error

    if debug:
        return  # Dash's dev tools show the tracebacks

    @server.errorhandler(db.DatabaseUnavailable)
    def _unavailable(error: Exception) -> Response:
        logger.error("database unavailable: %s", error)
        if _wants_json():
            return _json_error(503, UNAVAILABLE_TITLE)
        return _error_page(503, UNAVAILABLE_TITLE, UNAVAILABLE_TEXT)

    @server.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if request.path.endswith("/_dash-update-component"):
            # The callbacks' own errors go to `callback_error`: what reaches here is a request Dash
            # could not even dispatch (missing keys, wrong types, unknown output...).
            logger.warning("malformed callback request: %r", error)
            return _json_error(400, "Requête de mise à jour invalide.")
        logger.exception("unexpected error on %s", request.path)
        if _wants_json():
            return _json_error(500, "Erreur interne du tableau de bord.")
        return _error_page(
            500,
            "Erreur interne du tableau de bord",
            "La page n'a pas pu être affichée. Réessayez ; si le problème persiste, signalez-le à l'équipe.",
        )
