"""The user card for a self-help programme, as a PDF to hand over at the first session (seed 000)."""

from django.template.loader import render_to_string
from django.utils import translation

from plans.pdf import ALLOWED_PROTOCOLS, static_base_url


def render_user_card(*, citizen, programme, code, expires_at, login_url, language) -> bytes:
    """A one-page card: the programme, the code (shown only here), where and how to log in."""
    from weasyprint import HTML, URLFetcher  # see plans.pdf: a machine without Pango serves every other page

    with translation.override(language):
        html = render_to_string(
            "pathways/pdf/user_card.html",
            {
                "citizen": citizen,
                "programme": programme,
                "code": code,
                "expires_at": expires_at,
                "login_url": login_url,
            },
        )
    document = HTML(
        string=html, base_url=static_base_url(), url_fetcher=URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS)
    )
    return document.write_pdf(pdf_tags=True)
