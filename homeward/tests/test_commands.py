from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from homeward.cases.models import Case
from homeward.people.models import Person


def test_generate_makes_realistic_synthetic_cases(personas):
    out = StringIO()
    call_command("generate", "--cases", "400", "--into-this-database", stdout=out)
    assert "400" in out.getvalue()
    assert Case.objects.count() == 400
    genders = Counter(Person.objects.values_list("gender", flat=True))
    assert 0.75 < genders["Feminine"] / 400 < 0.95
    provinces = Counter(Person.objects.values_list("province__code", flat=True))
    assert provinces.most_common(1)[0][0] in {"LA13", "LA16", "LA10"}  # Mekong border provinces lead
    from homeward.cases.models import TraffickingEvent

    countries = Counter(
        TraffickingEvent.objects.filter(type="Exploitation").values_list("country__code", flat=True)
    )
    assert countries.most_common(1)[0][0] == "TH"
    forced_criminality = Case.objects.filter(
        victim__exploitation_types__contains="|hw_ForcedCriminality|"
    ).count()
    assert forced_criminality > 10


def test_generate_refuses_silly_sizes(personas):
    with pytest.raises(CommandError):
        call_command("generate", "--cases", "0", "--into-this-database")


def test_generate_outside_demo_mode_needs_confirmation(personas):
    with pytest.raises(CommandError, match="into-this-database"):
        call_command("generate", "--cases", "5")
    assert Case.objects.count() == 0


def test_demo_setup_needs_demo_mode(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("demo-setup")


def test_demo_setup_creates_every_role_and_prints_logins(db, settings):
    settings.DEMO_MODE = True
    out = StringIO()
    call_command("demo-setup", "--cases", "30", stdout=out)
    from homeward.accounts.capabilities import Role
    from homeward.accounts.models import Membership
    from homeward.returns.models import Returnee, Stay
    from homeward.returns.picklists import Stage, StayStatus

    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert Case.objects.filter(returnee__isnull=True, follows__isnull=True).count() == 30
    # Returns in every stage, and a transit centre with planned, current and past stays.
    assert set(Returnee.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert {StayStatus.PLANNED, StayStatus.ADMITTED, StayStatus.DISCHARGED} <= set(
        Stay.objects.values_list("status", flat=True)
    )
    # A directory that covers every province (with gaps), referrals in every state, and transfers.
    from homeward.referrals.models import Referral, Service, Transfer
    from homeward.referrals.picklists import ReferralStatus, TransferStatus
    from homeward.referrals.selectors import gaps, province_counts

    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert Referral.objects.filter(outside=True).exists()
    assert set(Transfer.objects.values_list("status", flat=True)) >= {
        TransferStatus.REQUESTED,
        TransferStatus.ACCEPTED,
        TransferStatus.DECLINED,
    }
    counts = province_counts(Service.objects.filter(status="active", category="health"))
    assert (
        len(counts) == 18 and sum(1 for n in counts.values() if n) == 16
    )  # two provinces without a hospital
    assert all(province_counts(Service.objects.filter(status="active")).values())  # every province is served
    assert gaps(Case.objects.all())  # and some needs are not
    # Training: courses, sessions held and planned, certificates, provinces never reached.
    from homeward.training.models import Participation, TrainingSession
    from homeward.training.selectors import coverage

    assert TrainingSession.objects.filter(end_on__lt=timezone.localdate()).exists()
    assert Participation.objects.filter(certificate__isnull=False).exists()
    assert coverage().gaps["psychosocial"]
    # Research: most cases consent to research use, a few people came back, a budget and a release of each kind.
    from homeward.cases.models import Consent
    from homeward.research.models import Dataset, Release, ReleaseStatus

    assert Consent.objects.filter(purpose="research", granted=True).count() > Case.objects.count() / 2
    assert Case.objects.filter(follows__isnull=False, follows_reason="hw_ReTrafficked").exists()
    dataset = Dataset.objects.get()
    assert 0 < dataset.spent < dataset.epsilon_budget
    assert set(Release.objects.filter(status=ReleaseStatus.READY).values_list("kind", flat=True)) == {
        "kanon",
        "dp",
    }
    text = out.getvalue()
    assert "homeward-demo-2026" in text and "researcher" in text
    returns_before = Returnee.objects.count()
    call_command("demo-setup", stdout=StringIO())  # safe to run again
    assert Returnee.objects.count() == returns_before
    assert Case.objects.count() == 30 + returns_before + Case.objects.filter(follows__isnull=False).count()
    assert Release.objects.count() == 2


def test_permissions_command_prints_the_matrix():
    out = StringIO()
    call_command("permissions", stdout=out)
    assert "| capability |" in out.getvalue()


def test_reindex_names_rebuilds_keys(personas, open_case):
    from homeward.people.models import NameKey

    open_case()
    NameKey.objects.all().delete()
    call_command("reindex-names", stdout=StringIO())
    assert NameKey.objects.count() > 5


def test_analyze_refreshes_planner_statistics(personas, open_case):
    from django.db import connection

    open_case()
    out = StringIO()
    call_command("analyze", stdout=out)
    assert "refreshed" in out.getvalue()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_stat1")
            assert cursor.fetchone()[0] > 0
