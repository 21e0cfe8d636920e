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
