"""Signals other apps listen to, so measures never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that completes a questionnaire response (web form or FHIR API).
# Keyword arguments: ``response`` (the completed QuestionnaireResponse).
response_completed = Signal()
