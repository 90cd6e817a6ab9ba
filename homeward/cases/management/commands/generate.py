from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from homeward.accounts.models import Organisation
from homeward.accounts.selectors import caseworkers_of
from homeward.cases.generate import generate_cases


class Command(BaseCommand):
    help = "Generate synthetic cases (invented people) for demos and benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True, help="how many cases to create")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--into-this-database",
            action="store_true",
            help="required outside demo mode: invented people must not mix with real ones by accident",
        )
        parser.add_argument(
            "--organisation",
            action="append",
            default=[],
            help="name of an organisation to own cases (repeat); default: all that have caseworkers",
        )

    def handle(self, *args, cases: int, seed: int, organisation: list[str], **options):
        from django.conf import settings

        if not (settings.DEMO_MODE or settings.DEBUG or options["into_this_database"]):
            raise CommandError(
                _("This adds invented people. Outside demo mode, add --into-this-database to confirm.")
            )
        if cases < 1 or cases > 2_000_000:
            raise CommandError(_("--cases must be between 1 and 2,000,000."))
        orgs = (
            list(Organisation.objects.filter(name__in=organisation))
            if organisation
            else [o for o in Organisation.objects.filter(is_active=True) if caseworkers_of(o.id).exists()]
        )
        if not orgs:
            orgs = list(Organisation.objects.filter(is_active=True)[:1])
        if not orgs:
            raise CommandError(_("Create an organisation first (homeward demo-setup does)."))
        workers = {o.id: list(caseworkers_of(o.id)) for o in orgs}
        made = generate_cases(
            count=cases, organisations=orgs, caseworkers=workers, seed=seed, progress=cases >= 5000
        )
        self.stdout.write(
            ngettext("Generated %(count)d synthetic case.", "Generated %(count)d synthetic cases.", made)
            % {"count": made}
        )
