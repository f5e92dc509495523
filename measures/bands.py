"""Words for score bands, for staff and in plain language for the citizen."""

from django.utils.translation import gettext_lazy as _

from .scoring import INSTRUMENTS

BAND_LABELS = {
    "minimal": _("Minimal"),
    "mild": _("Mild"),
    "moderate": _("Moderate"),
    "moderately_severe": _("Moderately severe"),
    "severe": _("Severe"),
    "likely_depression": _("Likely depression"),
    "poor_wellbeing": _("Poor wellbeing"),
    "ok": _("Good wellbeing"),
    "zone1": _("Zone I: low risk"),
    "zone2": _("Zone II: risky drinking"),
    "zone3": _("Zone III: harmful drinking"),
    "zone4": _("Zone IV: possible dependence"),
    "no_problem": _("No drug-related problems"),
    "problem": _("Drug-related problems"),
    "probable_dependence": _("Probable dependence"),
    "below_cutoff": _("Below the cut-off"),
    "distress": _("Psychological distress"),
    "healthy": _("Healthy"),
    "low": _("Low"),
    "moderate_severe": _("Moderately severe"),
    "own_trend": _("No norms: follow your own trend"),
}

# What the numbers mean for the person who answered, without clinical labels.
CITIZEN_SUMMARY = {
    "phq9": _("This questionnaire is about low mood. A lower number means fewer problems."),
    "gad7": _("This questionnaire is about worry and anxiety. A lower number means fewer problems."),
    "who5": _("This questionnaire is about wellbeing. A higher number means you have been feeling better."),
    "audit": _("This questionnaire is about alcohol. A lower number means less risk."),
    "dudit": _("This questionnaire is about drugs. A lower number means less risk."),
    "medication": _("This questionnaire is about your medicine. A higher number is better, from 0 to 10."),
}

# Titles of Samplan's own scored forms, in the reader's language (published instruments keep their names).
INSTRUMENT_TITLES = {
    "medication": _("About my medicine"),
}


def instrument_title(key):
    """The instrument's title as a reader sees it: our own forms' titles translated, the published
    instruments' names (PHQ-9 …) as they are."""
    return INSTRUMENT_TITLES.get(key) or (INSTRUMENTS[key].title if key in INSTRUMENTS else key)


DIRECTION_LABELS = {
    "reliable_improvement": _("Reliably better"),
    "no_reliable_change": _("No reliable change"),
    "reliable_deterioration": _("Reliably worse"),
}


def band_label(band):
    return BAND_LABELS.get(band, band)
