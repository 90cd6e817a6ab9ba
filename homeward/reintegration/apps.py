from django.apps import AppConfig


class ReintegrationConfig(AppConfig):
    name = "homeward.reintegration"
    label = "reintegration"
    default_auto_field = "django.db.models.BigAutoField"
