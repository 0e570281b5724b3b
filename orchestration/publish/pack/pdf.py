"""The board pack as a board paper: the pack's own HTML laid out on A4 by WeasyPrint.

Nothing is drawn by hand: the PDF is the HTML the board reads on screen, with the print rules
of `templates/pack.css` and `templates/print.css` (running header, "Page n of N", contents with
page numbers, rows and charts kept whole). WeasyPrint uses the system's Pango for text.
"""

from __future__ import annotations

import datetime as dt
import logging

# WeasyPrint logs a warning for every declaration it skips: about 2,000 a pack, nearly all the
# charts' SVG styles (which its SVG renderer reads by itself) and the rest screen-only rules
# (media queries on width, `position: sticky`). What the PDF must show is checked by the tests.
for _name in ("weasyprint", "fontTools"):
    logging.getLogger(_name).setLevel(logging.ERROR)


class ExternalReference(ValueError):
    """The pack's HTML refers to something outside itself, which a board paper cannot hold."""


def pdf_bytes(html: str, generated_at: dt.datetime) -> bytes:
    """Lays the pack's HTML out on A4 pages and returns the PDF.

    Args:
        html: the pack as `render_html` made it (styles and charts inline; nothing is fetched).
        generated_at: stamped as the PDF's creation and modification dates, so equal inputs give
            byte-identical files.

    Raises:
        ExternalReference: the HTML refers to an image, stylesheet or font by URL.
    """
    # Imported here: loading WeasyPrint (and Pango through it) costs about a second, which only
    # the step that builds the pack should pay, not every Dagster process that imports this.
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    # The pack is self-contained: a reference to anything outside it (an image, a stylesheet,
    # a font) stops the PDF rather than fetching it or leaving a gap.
    nothing = URLFetcher(allowed_protocols=(), fail_on_errors=True)
    try:
        document = HTML(string=html, url_fetcher=nothing, media_type="print").render()
    except FatalURLFetchingError as exc:  # a BaseException: made an ordinary error here
        raise ExternalReference(f"the pack cannot be laid out as a PDF: {exc}") from None
    stamp = generated_at.astimezone(dt.UTC).isoformat(timespec="seconds")
    document.metadata.created = stamp
    document.metadata.modified = stamp
    pdf = document.write_pdf()
    assert pdf is not None  # with no target, write_pdf returns the bytes
    return pdf
