"""HTML to PDF with WeasyPrint, offline: only our static files and inline data may be loaded."""

from pathlib import Path

from django.conf import settings

# Only local files (our fonts) and inline data may be loaded while rendering.
ALLOWED_PROTOCOLS = ("file", "data")


def static_base_url():
    """The static folder in the source tree as a file URL: present without collectstatic, and offline."""
    return Path(settings.BASE_DIR, "static").resolve().as_uri() + "/"


def html_to_pdf(html, *, base_url=None) -> bytes:
    """Tagged PDF bytes (headings and tables reach a screen reader) from ``html``.

    ``base_url`` is where relative URLs in the HTML resolve; by default our static folder, as a
    ``file://`` URL, so the vendored Inter font is found offline.
    """
    # Imported here so that a machine without Pango can still serve every page but the PDFs.
    from weasyprint import HTML, URLFetcher

    document = HTML(
        string=html,
        base_url=base_url or static_base_url(),
        url_fetcher=URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS),
    )
    return document.write_pdf(pdf_tags=True)
