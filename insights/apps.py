from django.apps import AppConfig
from django.db.models.signals import post_save, pre_save
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Insights")

    def ready(self):
        from measures.models import Score
        from measures.signals import ratings_written
        from pathways.models import Episode, ScheduledQuestionnaire

        from . import kept, sections

        sections.register()
        post_save.connect(kept.on_score_saved, sender=Score, dispatch_uid="insights-score")
        pre_save.connect(kept.on_episode_pre_save, sender=Episode, dispatch_uid="insights-episode-day")
        post_save.connect(kept.on_episode_saved, sender=Episode, dispatch_uid="insights-episode")
        post_save.connect(kept.on_scheduled_saved, sender=ScheduledQuestionnaire, dispatch_uid="insights-evaluation")
        ratings_written.connect(kept.on_ratings_written, dispatch_uid="insights-ratings")
