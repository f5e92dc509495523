"""The seed's ten questions for improvement teams ("Arbeid i forbedringsteamene", seed 001).

The English text is the msgid; the bokmål wording of the seed is given to the translator beside each
one (``Translators:`` comments reach the .po file), to be filled in as the translation.
"""

from django.utils.translation import gettext_lazy as _

QUESTIONS = {
    # Translators: nb: "Er det ideer fra kafedialogen som dere bør ta med i det videre arbeidet?"
    1: _("Are there ideas from the café dialogue that you should take further in the work ahead?"),
    # Translators: nb: "Har dere en klar plan for det videre forbedringsarbeidet?"
    2: _("Do you have a clear plan for the improvement work ahead?"),
    # Translators: nb: "Hvilke (konkrete) mål har dere?"
    3: _("Which (concrete) aims do you have?"),
    # Translators: nb: "Har dere måleverktøy som kan kartlegge forbedringsarbeidet?"
    4: _("Do you have measuring tools that can map the improvement work?"),
    # Translators: nb: "Er forbedringsarbeidet forankret godt nok? I fag- og brukermiljø? Administrativt? Politisk?"
    5: _("Is the improvement work anchored well enough? Among professionals and users? Administratively? Politically?"),
    # Translators: nb: "Er det forhold som bør tas opp på tvers av forvaltningsnivåene? Med DPS, Nav, etc.?"
    6: _("Are there matters that should be taken up across the levels of government? With DPS, Nav, etc.?"),
    # Translators: nb: "Har dere tilstrekkelig brukerinvolvering i forbedringsarbeidet?"
    7: _("Do you have enough user involvement in the improvement work?"),
    # Translators: nb: "Er informasjonsarbeidet godt nok ivaretatt?"
    8: _("Is the work of informing others well enough taken care of?"),
    # Translators: nb: "Har dere behov for mer kunnskap i eget team og mellom medarbeidere?"
    9: _("Do you need more knowledge in your own team and between colleagues?"),
    # Translators: nb: "Er det forhold dere bør søke veiledning på?"
    10: _("Are there matters you should seek guidance on?"),
}
