"""Create the demo: places, organisations, a user of every role, about 300 synthetic cases, and returns in every
stage with a transit centre."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from homeward.accounts.capabilities import Role
from homeward.accounts.models import Membership, Organisation, OrgType, User
from homeward.accounts.selectors import caseworkers_of
from homeward.cases.generate import generate_cases
from homeward.cases.models import Case
from homeward.interop.demo import generate_intake
from homeward.interop.models import Submission
from homeward.places.models import Area, Country
from homeward.referrals.demo import generate_directory, generate_referrals
from homeward.referrals.models import Referral, Service
from homeward.reintegration.demo import ensure_default_config, generate_reintegration
from homeward.reintegration.models import ReintegrationPlan
from homeward.research.demo import generate_research
from homeward.research.models import Dataset
from homeward.returns.demo import generate_returns
from homeward.returns.models import ReturnRequest
from homeward.training.demo import generate_training
from homeward.training.models import Course

DEMO_PASSWORD = "homeward-demo-2026"  # noqa: S105 - printed for the local demo only; refused outside demo mode

ORGANISATIONS = [
    ("Department of Social Welfare, MoLSW (demo)", "MoLSW", OrgType.CENTRAL_GOVERNMENT, "LA01"),
    (
        "Savannakhet Provincial Social Welfare Office (demo)",
        "PSW Savannakhet",
        OrgType.LOCAL_GOVERNMENT,
        "LA13",
    ),
    ("Lao Women's Union Counselling Centre (demo)", "LWU", OrgType.NGO, "LA01"),
    ("Mekong Legal Aid (demo NGO)", "Legal Aid", OrgType.LEGAL, "LA01"),
    ("IOM Lao PDR (demo)", "IOM", OrgType.INTERNATIONAL, "LA01"),
]
USERS = [
    ("caseworker", "Caseworker Demo (MoLSW)", 0, [Role.CASEWORKER]),
    ("supervisor", "Supervisor Demo (MoLSW)", 0, [Role.SUPERVISOR]),
    ("orgadmin", "Organisation Admin Demo (MoLSW)", 0, [Role.ORG_ADMIN]),
    ("transit", "Transit Centre Demo (MoLSW)", 0, [Role.TRANSIT_STAFF]),
    ("dpo", "Data Protection Demo (MoLSW)", 0, [Role.DPO]),
    ("caseworker.svk", "Caseworker Demo (Savannakhet)", 1, [Role.CASEWORKER]),
    ("supervisor.svk", "Supervisor Demo (Savannakhet)", 1, [Role.SUPERVISOR]),
    ("caseworker.lwu", "Caseworker Demo (LWU)", 2, [Role.CASEWORKER]),
    ("provider", "Service Provider Demo (Legal Aid)", 3, [Role.SERVICE_PROVIDER]),
    ("coordinator", "National Coordinator Demo (IOM)", 4, [Role.NATIONAL_COORDINATOR]),
    ("researcher", "Researcher Demo (IOM)", 4, [Role.RESEARCHER]),
]


class Command(BaseCommand):
    help = "Set up the local demo (places, organisations, users of every role, synthetic cases) and print logins."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=300)

    def handle(self, *args, cases: int, **options):
        if not settings.DEMO_MODE:
            raise CommandError(
                "demo-setup runs only with HOMEWARD_DEMO=1 (it creates users with a known password)."
            )
        if not Area.objects.exists():
            call_command("load_places", stdout=self.stdout)
        with transaction.atomic():
            laos = Country.objects.get(code="LA")
            orgs = []
            for name, short, kind, province in ORGANISATIONS:
                org, _created = Organisation.objects.get_or_create(
                    name=name,
                    defaults={
                        "short_name": short,
                        "type": kind,
                        "country": laos,
                        "province": Area.objects.get(code=province),
                        "city": "Vientiane",
                    },
                )
                orgs.append(org)
            for username, display, org_index, roles in USERS:
                user, created = User.objects.get_or_create(
                    username=username, defaults={"display_name": display}
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.save()
                for role in roles:
                    Membership.objects.get_or_create(user=user, organisation=orgs[org_index], role=role)
            admin, created = User.objects.get_or_create(
                username="admin",
                defaults={"display_name": "Platform Admin Demo", "is_superuser": True, "is_staff": True},
            )
            if created:
                admin.set_password(DEMO_PASSWORD)
                admin.save()
        if not Case.objects.exists():
            case_orgs = orgs[:3]
            workers = {o.id: list(caseworkers_of(o.id)) for o in case_orgs}
            generate_cases(count=cases, organisations=case_orgs, caseworkers=workers, seed=2026)
        if not ReturnRequest.objects.exists():
            users = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in USERS])}
            generate_returns(ministry=orgs[0], province_office=orgs[1], users=users)
        ensure_default_config()
        if not ReintegrationPlan.objects.exists():
            users = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in USERS])}
            generate_reintegration(organisation=orgs[0], users=users)
        users = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in USERS])}
        if not Service.objects.exists():
            generate_directory(orgs=orgs, coordinator=users["coordinator"])
        if not Referral.objects.exists():
            generate_referrals(orgs=orgs, users=users)
        if not Course.objects.exists():
            generate_training(orgs=orgs, coordinator=users["coordinator"])
        if not Dataset.objects.exists():
            generate_research(users=users)
        if not Submission.objects.exists():
            generate_intake(user=users["caseworker"])
        # The demo data is partly loaded in bulk (no signals): build the dashboards' figures from scratch.
        call_command("research-refresh", stdout=self.stdout)
        self.print_logins()

    def print_logins(self):
        w = self.stdout.write
        w("")
        w("Homeward demo — every person in it is invented.")
        w(f"Password for every account below: {DEMO_PASSWORD}")
        w("Two-factor sign-in is not enforced in demo mode; set it up under 'Security' to try it.")
        w("")
        for username, display, _org, roles in USERS:
            w(f"  {username:<16} {', '.join(str(r.label) for r in roles):<26} {display}")
        w(f"  {'admin':<16} {'platform administrator':<26} Platform Admin Demo")
        w("")
