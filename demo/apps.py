from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and benchmark data. Sits on top of every other app, so it may use them all."""

    name = "demo"
    verbose_name = "Demo data"
