"""Signals other apps listen to, so measures never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that completes a questionnaire response (web form or FHIR API).
# Keyword arguments: ``response`` (the completed QuestionnaireResponse).
response_completed = Signal()

# Sent inside the transaction that stores goal ratings (they are written with bulk_create, which
# sends no post_save). Keyword arguments: ``ratings`` (the new GoalRating rows, with their goal).
ratings_written = Signal()
