"""Presentation exports: a page (a region, or the national overview) as PowerPoint slides or a PDF,
with every chart rendered server-side by kaleido, and the live "mode présentation".

- `content`: what the pages show (key figures as printed, the charts), importable without a Dash app;
- `deck`: the slides of a page (`build_deck`), the one place where export rights apply (`Access`);
- `render`: charts to high-resolution PNG through kaleido and the installed Chromium;
- `pptx_writer`, `pdf_writer`: a rendered deck to `.pptx` (python-pptx) or `.pdf` (fpdf2);
- `ui`: the "Exporter" menu, the presentation-mode switch and their callbacks;
- `cli`: `python -m dashboard export`.

Nothing is imported here, so that the command line stays quick to start.
"""
