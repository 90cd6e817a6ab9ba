from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "homeward.research"
    label = "research"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from homeward.research import signals

        signals.connect()
