"""Load a Reintegration Sustainability score configuration (a JSON data file) as a new version."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from homeward.reintegration.services import config_load

DEFAULT = Path(__file__).resolve().parents[2] / "data" / "rss_default.json"


class Command(BaseCommand):
    help = (
        "Load a score configuration (indicators, answers, scores, weights) as a new version. Without a file, "
        "the documented default. --activate uses it for new visits; earlier scores keep their version."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT))
        parser.add_argument("--activate", action="store_true")

    def handle(self, *args, file: str, activate: bool, **options):
        try:
            data = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from None
        try:
            config = config_load(data=data, activate=activate)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        state = "in use" if config.is_active else "not in use (activate it on the score page)"
        self.stdout.write(
            f"Loaded version {config.version}: {config.name}, {config.indicators.count()} indicators, {state}."
        )
