from django.core.management.base import BaseCommand
from django.utils import translation

from homeward.accounts.capabilities import CAP_LABELS, Role, permission_matrix


def matrix_markdown() -> str:
    roles = list(Role)
    lines = [
        "| capability | " + " | ".join(str(r.label) for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for cap, row in permission_matrix():
        marks = " | ".join("✔" if allowed else "" for allowed in row)
        lines.append(f"| `{cap.value}` {CAP_LABELS[cap]} | {marks} |")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Print the permission matrix (roles × capabilities) as a Markdown table."

    def add_arguments(self, parser):
        parser.add_argument("--language", default="en")

    def handle(self, *args, language: str, **options):
        with translation.override(language):
            self.stdout.write(matrix_markdown())
