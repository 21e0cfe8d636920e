"""The users file of the optional authentication: password hashes only, atomic writes, the `user` command."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash

from dashboard import auth
from dashboard.cli import main


def test_the_users_file_holds_hashes_only(tmp_path: Path):
    path = tmp_path / "users.json"
    assert auth.add_user(path, "alice", "regional", ("84", "11"), "tres-secret") is False
    text = path.read_text(encoding="utf-8")
    assert "tres-secret" not in text
    entry = json.loads(text)["users"]["alice"]
    assert entry["role"] == "regional" and entry["regions"] == ["84", "11"]
    assert check_password_hash(entry["password_hash"], "tres-secret")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    users = auth.load_users(path)
    assert auth.verify_password(users, "alice", "tres-secret") == users["alice"]
    assert auth.verify_password(users, "alice", "tres-secret") == users["alice"]  # cached path
    assert auth.verify_password(users, "alice", "faux") is None
    assert auth.verify_password(users, "bob", "tres-secret") is None
    assert users["alice"].allowed_regions == ("84", "11")
    assert auth.add_user(path, "alice", "national", (), "autre") is True
    assert auth.load_users(path)["alice"].allowed_regions is None


def test_the_users_file_is_written_atomically(tmp_path: Path, monkeypatch):
    path = tmp_path / "users.json"
    auth.add_user(path, "alice", "national", (), "un")
    before = path.read_bytes()

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(auth.os, "replace", fail)
    with pytest.raises(OSError):
        auth.add_user(path, "bob", "national", (), "deux")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["users.json"]


@pytest.mark.parametrize(
    ("name", "role", "regions"),
    [
        ("bad name", "national", ()),
        ("alice", "admin", ()),
        ("alice", "regional", ()),
        ("alice", "regional", ("99",)),
        ("alice", "national", ("84",)),
    ],
)
def test_invalid_users_are_refused(tmp_path: Path, name, role, regions):
    with pytest.raises(auth.AuthError):
        auth.add_user(tmp_path / "users.json", name, role, regions, "pw")
    assert not (tmp_path / "users.json").exists()


def test_plain_text_passwords_and_malformed_files_are_refused():
    with pytest.raises(auth.AuthError, match="clair"):
        auth.parse_users('{"users": {"alice": {"role": "national", "password": "x"}}}')
    with pytest.raises(auth.AuthError):
        auth.parse_users("not json")
    with pytest.raises(auth.AuthError):
        auth.parse_users('{"users": {"alice": {"role": "regional", "regions": ["84"], "password_hash": "x"}}}')


def test_the_configuration_is_validated():
    assert auth.auth_config({}).mode == "off"
    assert auth.auth_config({"NPNRU_AUTH": "BASIC"}).mode == "basic"
    with pytest.raises(auth.AuthError):
        auth.auth_config({"NPNRU_AUTH": "ldap"})
    with pytest.raises(auth.AuthError):
        auth.auth_config({"NPNRU_AUTH": "proxy", "NPNRU_PROXY_SECRET": "court"})
    config = auth.auth_config({"NPNRU_AUTH": "proxy", "NPNRU_PROXY_SECRET": "x" * 16, "NPNRU_AUTH_HEADER": "X-User"})
    assert config.user_header == "X-User"


def test_the_user_command_reads_the_password_from_stdin(tmp_path: Path, monkeypatch, capsys):
    path = tmp_path / "etc" / "users.json"
    monkeypatch.setenv("NPNRU_USERS_FILE", str(path))
    monkeypatch.setattr("sys.stdin", io.StringIO("mot de passe\n"))
    assert main(["user", "add", "ara", "--role", "regional", "--regions", "84,om"]) == 0
    assert "ajouté" in capsys.readouterr().out
    users = auth.load_users(path)
    assert users["ara"].regions == ("84", "OM")
    assert check_password_hash(users["ara"].password_hash or "", "mot de passe")
    assert "mot de passe" not in path.read_text(encoding="utf-8")
    assert main(["user", "add", "sso", "--role", "national", "--no-password"]) == 0
    assert auth.load_users(path)["sso"].password_hash is None
    capsys.readouterr()
    assert main(["user", "list"]) == 0
    listing = capsys.readouterr().out
    assert "ara\tregional\t84,OM" in listing and "scrypt" not in listing and "$" not in listing
    assert main(["user", "add", "x", "--role", "regional", "--regions", "99"]) == 2
    assert main(["user", "remove", "sso"]) == 0
    assert main(["user", "remove", "sso"]) == 1
    assert set(auth.load_users(path)) == {"ara"}
    assert not [p for p in os.listdir(path.parent) if p.endswith(".tmp")]


def test_the_warm_up_runs_as_one_user_of_each_access(tmp_path: Path, monkeypatch):
    """`warm_up_users`: the national access first, then the regional accesses shared by the most
    users; none with authentication off or an unreadable users file."""
    path = tmp_path / "users.json"
    for name, role, regions in (
        ("zoe", "regional", ("11",)),
        ("ana", "regional", ("84",)),
        ("bob", "regional", ("84",)),
        ("cyd", "regional", ("84", "11")),
        ("nat2", "national", ()),
        ("nat1", "national", ()),
    ):
        auth.add_user(path, name, role, regions, "x")
    monkeypatch.setenv("NPNRU_USERS_FILE", str(path))
    monkeypatch.delenv("NPNRU_AUTH", raising=False)
    assert auth.warm_up_users() == []  # off: the anonymous warm-up covers every request
    monkeypatch.setenv("NPNRU_AUTH", "basic")
    chosen = auth.warm_up_users()
    assert [u.name for u in chosen] == ["nat1", "ana", "zoe", "cyd"]
    assert [u.allowed_regions for u in chosen] == [None, ("84",), ("11",), ("84", "11")]
    assert [u.name for u in auth.warm_up_users(limit=2)] == ["nat1", "ana"]
    path.write_text("{", encoding="utf-8")
    assert auth.warm_up_users() == []  # every request is refused then: nothing to prepare


def test_acting_as_a_user_is_for_the_warm_up_requests_only():
    from flask import Flask

    app = Flask(__name__)
    user = auth.User("nat", "national")
    with app.test_request_context("/suivi"), pytest.raises(RuntimeError):
        auth.act_as(user)  # a client's request: refused, whatever it sends
    with app.test_request_context("/suivi", headers={"npnru.warmup": "1"}), pytest.raises(RuntimeError):
        auth.act_as(user)
    with pytest.raises(RuntimeError):
        auth.act_as(user)  # no request at all
    with app.test_request_context("/suivi", environ_base={"npnru.warmup": True}):
        auth.act_as(user)
        assert auth.current_user() == user
