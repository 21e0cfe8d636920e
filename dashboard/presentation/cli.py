"""`python -m dashboard export`: a region's page (or the national overview) as a PowerPoint or PDF
file, for scheduled weekly packs."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from ..indicators import INDICATORS

EXIT_USAGE = 2


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Declare the `export` sub-command on the CLI's sub-parsers."""
    export = commands.add_parser(
        "export",
        help="export a region's page (or the national overview) as PowerPoint slides or a PDF",
        description="Write the slides of a page: a title slide, the key figures as printed (editable text), then "
        "one slide per chart, rendered by the installed Chromium (BROWSER_PATH to choose another browser).",
    )
    scope = export.add_mutually_exclusive_group(required=True)
    scope.add_argument("--region", metavar="CODE", help="report section code (84, 11, OM...), or FR for the overview")
    scope.add_argument("--national", action="store_true", help="the national overview (same as --region FR)")
    export.add_argument(
        "--format", choices=("pptx", "pdf"), help="file format (default: from the --out extension, else pptx)"
    )
    export.add_argument("--out", type=Path, required=True, help="file to write (replaced atomically)")
    export.add_argument(
        "--measure",
        choices=sorted(INDICATORS),
        metavar="INDICATOR",
        help="overview: the measure ranked (default: the overview's default measure)",
    )
    export.add_argument(
        "--highlight",
        metavar="CODES",
        help="overview: comma-separated section codes highlighted in the ranking",
    )


def _write_atomically(path: Path, content: bytes) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:
    """Run `export`; returns the exit status (0 written, 1 failure, 2 invalid arguments)."""
    from .. import db
    from ..cli import ensure_database
    from ..config import get_settings
    from ..filters import from_query
    from ..queries.common import section_codes
    from ..sources import SourceError
    from .deck import UnknownScope, build_deck, resolve_scope, write_deck
    from .render import RenderError

    fmt = args.format or (
        args.out.suffix.lower().lstrip(".") if args.out.suffix.lower() in (".pptx", ".pdf") else "pptx"
    )
    if not args.out.parent.is_dir() and str(args.out.parent):
        print(f"export: folder {args.out.parent} does not exist", file=sys.stderr)
        return EXIT_USAGE
    settings = get_settings()
    try:
        ensure_database(settings.data_dir, settings.db_path)
    except SourceError as exc:
        print(f"export: the database could not be built.\n{exc}", file=sys.stderr)
        return 1
    cur = db.cursor()
    try:
        scope = resolve_scope(cur, "FR" if args.national else args.region)
    except UnknownScope as exc:
        print(f"export: {exc}", file=sys.stderr)
        return EXIT_USAGE
    codes = {c.upper(): c for c in section_codes(cur)}
    highlight = [codes.get(c.strip().upper(), c.strip()) for c in (args.highlight or "").split(",") if c.strip()]
    query = {"measure": args.measure or "", "regions": ",".join(highlight)}
    filters = from_query({k: v for k, v in query.items() if v}, codes.values())
    if filters.rejected:
        print(f"export: {'; '.join(filters.rejected)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        deck = build_deck(cur, scope, filters)
        content = write_deck(deck, fmt)
        _write_atomically(args.out, content)
    except (RenderError, OSError) as exc:
        print(f"export failed, nothing written: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {args.out} ({fmt}, {len(deck.slide_titles)} slides: {deck.territory}).")
    return 0
