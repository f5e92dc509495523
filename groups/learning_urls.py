"""Learning logs and the leaders' summary (groups.learning_views)."""

urlpatterns = []
