"""`python -m dashboard export`: files written for weekly packs, clear errors and exit codes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pptx import Presentation
from pypdf import PdfReader

from dashboard.config import REPO_DIR


def run_cli(built_db: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NPNRU_DB": str(built_db), "NPNRU_OPERATIONS_DB": str(tmp_path / "none.duckdb")}
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "export", *args],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_region_pdf_and_national_pptx(built_db, tmp_path):
    pdf = tmp_path / "aura.pdf"
    result = run_cli(built_db, tmp_path, "--region", "84", "--format", "pdf", "--out", str(pdf))
    assert result.returncode == 0, result.stderr
    assert "Auvergne-Rhône-Alpes" in result.stdout
    assert len(PdfReader(io.BytesIO(pdf.read_bytes())).pages) == 4
    pptx = tmp_path / "national.pptx"
    result = run_cli(
        built_db, tmp_path, "--national", "--out", str(pptx), "--measure", "droits_total", "--highlight", "om"
    )
    assert result.returncode == 0, result.stderr
    prs = Presentation(str(pptx))  # format taken from the extension
    assert [s.shapes.title.text for s in prs.slides] == [
        "Vue d'ensemble du programme",
        "Chiffres clés nationaux",
        "Classement des territoires",
    ]
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, no leftover


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--region", "ZZ"), "territoire inconnu « ZZ »"),
        (("--region", "971"), "codes possibles 84"),
        (("--national", "--highlight", "99"), "valeur ignorée pour « regions »"),
    ],
)
def test_invalid_arguments_fail_clearly_and_write_nothing(built_db, tmp_path, args, message):
    out = tmp_path / "pack.pptx"
    result = run_cli(built_db, tmp_path, *args, "--out", str(out))
    assert result.returncode == 2
    assert message in result.stderr
    assert not out.exists()


def test_missing_folder_and_missing_scope(built_db, tmp_path):
    result = run_cli(built_db, tmp_path, "--region", "84", "--out", str(tmp_path / "absent" / "x.pdf"))
    assert result.returncode == 2 and "does not exist" in result.stderr
    result = run_cli(built_db, tmp_path, "--out", str(tmp_path / "x.pdf"))
    assert result.returncode == 2 and "--region" in result.stderr


def test_render_failure_exits_1_and_writes_nothing(built_db, tmp_path):
    out = tmp_path / "pack.pdf"
    env_browser = tmp_path / "no-browser"
    result = subprocess.run(
        [sys.executable, "-m", "dashboard", "export", "--region", "84", "--out", str(out)],
        cwd=REPO_DIR,
        env={**os.environ, "NPNRU_DB": str(built_db), "BROWSER_PATH": str(env_browser)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "BROWSER_PATH" in result.stderr and "nothing written" in result.stderr
    assert not out.exists()
