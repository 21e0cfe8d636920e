"""Optional authentication and the operational-data access of each request.

Configured from the environment (read at every request, so nothing is cached across a change):

- `NPNRU_AUTH`: `off` (default), `basic` (HTTP Basic against the users file) or `proxy` (a trusted
  reverse proxy authenticates and names the user in `NPNRU_AUTH_HEADER`, default `X-Forwarded-User`;
  every request must carry the shared secret `NPNRU_PROXY_SECRET` in `X-Proxy-Secret`, compared in
  constant time). In proxy mode the user must still be listed in the users file, which gives the
  role and regions (passwords are optional there).
- `NPNRU_USERS_FILE`: the users file (JSON, password hashes only; default `data/users.json`),
  written by `python -m dashboard user add`.

Roles: `national` sees every operational figure; `regional` sees the published report plus only
the operational data of its own report sections. Operational queries take the request's
`allowed_regions` (None: all) as a SQL parameter. With authentication off, operational data are
shown only while every loaded snapshot is synthetic (`operations_access`).
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from flask import Flask, Response, g, has_request_context, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

from . import db
from .config import DATA_DIR
from .extracts.spec import REGION_CODES
from .extracts.store import ATTACH_NAME

log = logging.getLogger(__name__)

MODES = ("off", "basic", "proxy")
ROLES = ("national", "regional")
DEFAULT_USERS_FILE = DATA_DIR / "users.json"
DEFAULT_USER_HEADER = "X-Forwarded-User"
PROXY_SECRET_HEADER = "X-Proxy-Secret"
REALM = "NPNRU"
USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
#: Distinct operational-data accesses (national, each set of regions) whose views each worker
#: prepares ahead when authentication is on (`warm_up_users`).
MAX_WARM_ACCESSES = 20
#: Paths served without authentication: static files only (no data).
PUBLIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon")

AUTH_REQUIRED = "Authentification requise pour les données opérationnelles"
AUTH_REQUIRED_DETAIL = (
    "Des extractions opérationnelles réelles sont chargées : elles ne s'affichent qu'aux utilisateurs "
    "authentifiés (NPNRU_AUTH=basic ou proxy). Les chiffres publiés du bilan restent consultables."
)
UNAUTHORIZED_TEXT = "Authentification requise : identifiant ou mot de passe manquant ou incorrect."
FORBIDDEN_TEXT = "Accès refusé."


class AuthError(ValueError):
    """The authentication configuration or the users file is invalid (message in French)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    regions: tuple[str, ...] = ()
    password_hash: str | None = field(default=None, repr=False)  # kept out of logs and tracebacks

    @property
    def allowed_regions(self) -> tuple[str, ...] | None:
        """The report sections whose operational data the user may see; None: all."""
        return None if self.role == "national" else self.regions


@dataclass(frozen=True)
class AuthConfig:
    mode: str = "off"
    users_file: Path = DEFAULT_USERS_FILE
    user_header: str = DEFAULT_USER_HEADER
    proxy_secret: str | None = None


def auth_config(environ: Mapping[str, str] | None = None) -> AuthConfig:
    """The authentication settings of the environment; AuthError when they are invalid."""
    env = os.environ if environ is None else environ
    mode = (env.get("NPNRU_AUTH") or "off").strip().lower()
    if mode not in MODES:
        raise AuthError(f"NPNRU_AUTH={mode!r} inconnu : off, basic ou proxy")
    secret = env.get("NPNRU_PROXY_SECRET") or None
    if mode == "proxy" and (secret is None or len(secret) < 16):
        raise AuthError("NPNRU_AUTH=proxy exige NPNRU_PROXY_SECRET (au moins 16 caractères)")
    return AuthConfig(
        mode=mode,
        users_file=Path(env.get("NPNRU_USERS_FILE") or DEFAULT_USERS_FILE),
        user_header=env.get("NPNRU_AUTH_HEADER") or DEFAULT_USER_HEADER,
        proxy_secret=secret,
    )


# --- Users file -------------------------------------------------------------------------------------


def _check_user(name: str, role: str, regions: tuple[str, ...]) -> None:
    if not isinstance(name, str) or not USER_NAME.match(name):
        raise AuthError(f"nom d'utilisateur invalide : {str(name)[:64]!r} (lettres, chiffres, . _ @ -)")
    if role not in ROLES:
        raise AuthError(f"rôle invalide pour {name} : {role!r} (national ou regional)")
    unknown = [r for r in regions if r not in REGION_CODES]
    if unknown:
        raise AuthError(f"régions inconnues pour {name} : {', '.join(map(str, unknown))}")
    if role == "regional" and not regions:
        raise AuthError(f"l'utilisateur régional {name} n'a aucune région")
    if role == "national" and regions:
        raise AuthError(f"l'utilisateur national {name} ne prend pas de régions")


def parse_users(text: str) -> dict[str, User]:
    """The users of a users file's text; AuthError if malformed."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AuthError(f"fichier des utilisateurs illisible (JSON) : {exc}") from exc
    entries = data.get("users") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise AuthError("fichier des utilisateurs sans objet « users »")
    users = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            raise AuthError(f"entrée invalide pour {name}")
        regions = entry.get("regions") or []
        if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
            raise AuthError(f"régions invalides pour {name}")
        password_hash = entry.get("password_hash")
        if password_hash is not None and (not isinstance(password_hash, str) or "$" not in password_hash):
            raise AuthError(f"empreinte de mot de passe invalide pour {name}")
        if "password" in entry:
            raise AuthError(f"mot de passe en clair pour {name} : seules les empreintes sont acceptées")
        _check_user(name, entry.get("role"), tuple(regions))
        users[name] = User(name, entry["role"], tuple(regions), password_hash)
    return users


_users_lock = threading.Lock()
_users_cache: dict[Path, tuple[tuple[int, int, int], dict[str, User]]] = {}


def load_users(path: Path) -> dict[str, User]:
    """The users of `path`, re-read when the file changes; AuthError if missing or malformed."""
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise AuthError(f"fichier des utilisateurs introuvable : {path}") from exc
    identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    cached = _users_cache.get(path)
    if cached and cached[0] == identity:
        return cached[1]
    users = parse_users(path.read_text(encoding="utf-8"))
    with _users_lock:
        _users_cache[path] = (identity, users)
    return users


def _write_atomically(path: Path, users: dict[str, User]) -> None:
    data = {
        "users": {
            u.name: {
                "role": u.role,
                "regions": list(u.regions),
                **({"password_hash": u.password_hash} if u.password_hash else {}),
            }
            for u in sorted(users.values(), key=lambda u: u.name)
        }
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_user(path: Path, name: str, role: str, regions: tuple[str, ...], password: str | None) -> bool:
    """Add or replace a user in the users file (atomically); True when it replaced one.

    The password is stored as a werkzeug hash only; None leaves it without password (proxy mode).
    """
    _check_user(name, role, regions)
    if password is not None and not password:
        raise AuthError("mot de passe vide")
    users = dict(parse_users(path.read_text(encoding="utf-8"))) if path.exists() else {}
    replaced = name in users
    users[name] = User(name, role, regions, generate_password_hash(password) if password is not None else None)
    _write_atomically(path, users)
    return replaced


def remove_user(path: Path, name: str) -> bool:
    """Remove a user from the users file (atomically); False when there was none."""
    users = dict(parse_users(path.read_text(encoding="utf-8"))) if path.exists() else {}
    if users.pop(name, None) is None:
        return False
    _write_atomically(path, users)
    return True


# --- Verification -----------------------------------------------------------------------------------

_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))
_PROCESS_KEY = secrets.token_bytes(32)
#: Successful (user, keyed digest of the password) -> the hash they matched: spares a slow scrypt per request.
_verified: dict[tuple[str, bytes], str] = {}
_MAX_VERIFIED = 1024


def verify_password(users: Mapping[str, User], name: str, password: str) -> User | None:
    """The user if `password` matches its hash; None otherwise (same work for an unknown user)."""
    user = users.get(name)
    stored = user.password_hash if user is not None else None
    digest = hmac.new(_PROCESS_KEY, password.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
    if stored is not None and _verified.get((name, digest)) == stored:
        return user
    ok = check_password_hash(stored or _DUMMY_HASH, password)
    if not ok or user is None or stored is None:
        return None
    if len(_verified) >= _MAX_VERIFIED:
        _verified.clear()
    _verified[(name, digest)] = stored
    return user


def _challenge(config: AuthConfig) -> Response:
    if request.path.endswith(("/_dash-update-component", "/_dash-layout", "/_dash-dependencies")):
        response = jsonify({"erreur": UNAUTHORIZED_TEXT})
        response.status_code = 401
    else:
        response = Response(UNAUTHORIZED_TEXT, status=401, mimetype="text/plain")
    if config.mode == "basic":
        response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return response


def _forbidden() -> Response:
    return Response(FORBIDDEN_TEXT, status=403, mimetype="text/plain")


def authenticate() -> Response | None:
    """Flask `before_request`: identify the user (into `g.npnru_user`) or answer 401/403."""
    g.npnru_user = None
    if request.path.startswith(PUBLIC_PREFIXES) or request.environ.get("npnru.warmup"):
        return None
    try:
        config = auth_config()
        if config.mode == "off":
            return None
        users = load_users(config.users_file)
    except AuthError as exc:
        log.error("authentication misconfigured: %s", exc)
        return _forbidden()
    if config.mode == "basic":
        credentials = request.authorization
        if credentials is None or credentials.type != "basic" or not credentials.username:
            return _challenge(config)
        user = verify_password(users, credentials.username, credentials.password or "")
        if user is None:
            log.warning("failed login for %r", credentials.username[:64])
            return _challenge(config)
    else:
        assert config.proxy_secret is not None
        sent = request.headers.get(PROXY_SECRET_HEADER, "")
        if not hmac.compare_digest(sent.encode("utf-8", "replace"), config.proxy_secret.encode("utf-8")):
            log.warning("request without the proxy secret from %s", request.remote_addr)
            return _forbidden()
        name = request.headers.get(config.user_header, "").strip()
        if not name:
            return _challenge(config)
        user = users.get(name)
        if user is None:
            log.warning("proxy user %r is not in the users file", name[:64])
            return _forbidden()
    g.npnru_user = user
    return None


def install(server: Flask) -> None:
    """Register `authenticate` (before any other hook of the app, so nothing runs unauthenticated)."""
    server.before_request_funcs.setdefault(None, []).insert(0, authenticate)


def current_user() -> User | None:
    """The authenticated user of the current request (None: anonymous, or no request)."""
    return g.get("npnru_user") if has_request_context() else None


def warm_up_users(limit: int = MAX_WARM_ACCESSES) -> list[User]:
    """One user of each distinct operational-data access of the users file, whose views the workers
    prepare ahead (`app.warm_up`): the national access first, then the regional ones shared by the
    most users (ties by regions), at most `limit`. Empty with authentication off (the anonymous
    warm-up sees what every request sees) or when the configuration or the users file is invalid
    (every request is refused then)."""
    try:
        config = auth_config()
        if config.mode == "off":
            return []
        users = load_users(config.users_file)
    except AuthError:
        return []
    by_access: dict[tuple[str, ...] | None, list[User]] = {}
    for user in sorted(users.values(), key=lambda u: u.name):
        by_access.setdefault(user.allowed_regions, []).append(user)
    ordered = sorted(by_access.items(), key=lambda item: (item[0] is not None, -len(item[1]), item[0] or ()))
    return [members[0] for _, members in ordered[:limit]]


def act_as(user: User | None) -> None:
    """Within a warm-up request context of the app itself (never a client's request: a client cannot
    set the WSGI environ key), run as `user`. RuntimeError anywhere else."""
    if not (has_request_context() and request.environ.get("npnru.warmup")):
        raise RuntimeError("act_as is for the app's own warm-up requests only")
    g.npnru_user = user


# --- Operational data access --------------------------------------------------------------------------


@dataclass(frozen=True)
class OperationsAccess:
    """Whether the current request may see operational data, and of which report sections."""

    allowed: bool
    regions: tuple[str, ...] | None = None  # None: every section


def real_operations_loaded(cur: duckdb.DuckDBPyConnection, catalog: str = ATTACH_NAME) -> bool:
    """True when the attached operations database holds at least one snapshot not flagged synthetic."""
    row = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'snapshots'", [catalog]
    ).fetchone()
    if not (row and row[0]) or not catalog.isidentifier():
        return False
    row = cur.execute(f"SELECT count(*) FROM {catalog}.snapshots WHERE NOT synthetic").fetchone()
    return bool(row and row[0])


def operations_access(cur: duckdb.DuckDBPyConnection) -> OperationsAccess:
    """The operational-data access of the current request.

    Authentication off: everything while only synthetic snapshots are loaded, nothing as soon as a
    real one is. Authentication on: the user's regions; no authenticated user gets nothing.
    """
    try:
        mode = auth_config().mode
    except AuthError:
        return OperationsAccess(False, ())
    if mode == "off":
        real = db.memo("real_operations_loaded", lambda: real_operations_loaded(cur))
        return OperationsAccess(False, ()) if real else OperationsAccess(True, None)
    user = current_user()
    if user is None:
        return OperationsAccess(False, ())
    return OperationsAccess(True, user.allowed_regions)


def startup_report(operations_db: Path) -> str:
    """The start-up line about authentication (raises AuthError on an invalid configuration)."""
    config = auth_config()
    if config.mode != "off":
        users = load_users(config.users_file)
        if config.mode == "basic" and not any(u.password_hash for u in users.values()):
            raise AuthError(f"NPNRU_AUTH=basic mais aucun utilisateur avec mot de passe dans {config.users_file}")
        detail = "HTTP Basic"
        if config.mode == "proxy":
            detail = f"en-tête {config.user_header}, secret {PROXY_SECRET_HEADER}"
        return f"Authentification activée ({detail}) : {len(users)} utilisateur(s) dans {config.users_file}."
    real = False
    if operations_db.exists():
        try:
            con = duckdb.connect(str(operations_db), read_only=True)
            try:
                row = con.execute("SELECT count(*) FROM snapshots WHERE NOT synthetic").fetchone()
                real = bool(row and row[0])
            finally:
                con.close()
        except duckdb.Error:
            real = False
    if real:
        return (
            f"ATTENTION : authentification désactivée (NPNRU_AUTH=off) alors que {operations_db} contient des "
            "extractions opérationnelles réelles. L'authentification est requise : les données opérationnelles "
            "ne seront pas affichées tant que NPNRU_AUTH=basic ou proxy n'est pas configuré."
        )
    return "Authentification désactivée (NPNRU_AUTH=off) : seuls les chiffres publiés et des données simulées."


# --- Command line ------------------------------------------------------------------------------------


def read_password(stream=None) -> str:
    """The password: typed twice on a terminal, or the first line of standard input."""
    stream = stream or sys.stdin
    if stream.isatty():
        first = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Mot de passe (confirmation) : ") != first:
            raise AuthError("les deux mots de passe diffèrent")
        return first
    return stream.readline().rstrip("\r\n")


def user_command(args) -> int:
    """`python -m dashboard user add|remove|list` (see dashboard/cli.py)."""
    path = auth_config({**os.environ, "NPNRU_AUTH": "off"}).users_file
    try:
        if args.user_command == "add":
            regions = tuple(r.strip().upper() for r in args.regions.split(",") if r.strip())
            password = None if args.no_password else read_password()
            replaced = add_user(path, args.name, args.role, regions, password)
            print(f"Utilisateur {args.name} {'mis à jour' if replaced else 'ajouté'} dans {path}.")
        elif args.user_command == "remove":
            if not remove_user(path, args.name):
                print(f"Aucun utilisateur {args.name} dans {path}.", file=sys.stderr)
                return 1
            print(f"Utilisateur {args.name} retiré de {path}.")
        else:
            users = load_users(path) if path.exists() else {}
            for user in users.values():
                regions = ",".join(user.regions) or "toutes"
                print(f"{user.name}\t{user.role}\t{regions}\t{'mot de passe' if user.password_hash else '-'}")
    except AuthError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    return 0


def add_parser(commands) -> None:
    """The `user` sub-command of `python -m dashboard`."""
    user = commands.add_parser(
        "user",
        help="manage the users file (NPNRU_USERS_FILE, default data/users.json): password hashes only",
    )
    actions = user.add_subparsers(dest="user_command", required=True)
    add = actions.add_parser("add", help="add or replace a user; the password is read from stdin (or prompted)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--regions", default="", help="report section codes, comma-separated (regional role)")
    add.add_argument("--no-password", action="store_true", help="no password (users of the proxy mode)")
    remove = actions.add_parser("remove", help="remove a user")
    remove.add_argument("name")
    actions.add_parser("list", help="list the users (never their hashes)")
