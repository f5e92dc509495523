"""The user card for a self-help programme, as a PDF to hand over at the first session (seed 000)."""

from django.template.loader import render_to_string
from django.utils import translation

from web.pdf import html_to_pdf


def render_user_card(*, citizen, programme, code, expires_at, login_url, language) -> bytes:
    """A one-page card: the programme, the code (shown only here), where and how to log in."""
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
    return html_to_pdf(html)
