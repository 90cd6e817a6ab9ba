"""Test fixtures: a fresh key ring, places, and the named personas every access test speaks of.

Personas (organisation A is a ministry department, B a provincial office, P a legal-aid NGO, I an
international organisation):
  alice   caseworker in A           sam     supervisor in A        olga   organisation admin of A
  tina    transit-centre staff in A dora    data-protection officer of A
  bob     caseworker in B           petra   service provider in P
  nora    national coordinator (I)  rita    researcher (I)         oscar  signed in, no organisation
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward import keys
from homeward.accounts.capabilities import Role
from homeward.accounts.models import Organisation, OrgType, User
from homeward.lib.crypto import KeyRing

PASSWORD = "correct horse battery staple 42"  # noqa: S105 - test personas only


def pytest_configure(config: Any) -> None:
    """The SQLite test database is a file, as in production: real locking, so concurrency tests mean something."""
    from pathlib import Path

    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name:
        Path(name).parent.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session", autouse=True)
def _test_keyring():
    keys.reset(KeyRing.generate())
    yield
    keys.reset(None, pinned=False)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    settings.IMPORT_ROOT = tmp_path / "imports"
    settings.ENFORCE_TWO_FACTOR = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    # A code accepted one step off would otherwise teach the device a drift that the tests' code helper
    # (browser_support.totp) does not know, and the next sign-in of that person in the test would be refused.
    settings.OTP_TOTP_SYNC = False
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _trigger_sql(direction: str) -> list[str]:
    from importlib import import_module

    from django.db import connection

    migration = import_module("homeward.audit.migrations.0002_append_only_triggers")
    vendor = {"sqlite": "SQLITE", "postgresql": "POSTGRES"}[connection.vendor]
    return getattr(migration, f"{vendor}_{direction}")


def audit_triggers_off() -> None:
    """Let a transactional test's final flush empty the audit table (the triggers refuse DELETE/TRUNCATE)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in _trigger_sql("DOWN"):
            cursor.execute(statement)


def audit_triggers_on() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in _trigger_sql("DOWN") + _trigger_sql("UP"):
            cursor.execute(statement)


@pytest.fixture
def places(db):
    from homeward.places.models import Area
    from homeward.places.services import places_load

    if not Area.objects.filter(code="LA13").exists():
        places_load()


def make_org(name: str, kind: str = OrgType.CENTRAL_GOVERNMENT) -> Organisation:
    from homeward.tests.factories import OrganisationFactory

    return OrganisationFactory(name=name, type=kind)


def make_user(username: str, org: Organisation | None, *roles: str, **extra: Any) -> User:
    from homeward.tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username=username, password=PASSWORD, **extra)
    for role in roles:
        MembershipFactory(user=user, organisation=org, role=role)
    return user


@dataclass
class Personas:
    org_a: Organisation
    org_b: Organisation
    org_p: Organisation
    org_i: Organisation
    alice: User
    sam: User
    olga: User
    tina: User
    dora: User
    bob: User
    petra: User
    nora: User
    rita: User
    oscar: User

    def all(self) -> dict[str, User]:
        return {
            n: getattr(self, n)
            for n in ("alice", "sam", "olga", "tina", "dora", "bob", "petra", "nora", "rita", "oscar")
        }


@pytest.fixture
def personas(db, places) -> Personas:
    org_a = make_org("Department of Social Welfare A")
    org_b = make_org("Provincial Office B", OrgType.LOCAL_GOVERNMENT)
    org_p = make_org("Legal Aid P", OrgType.LEGAL)
    org_i = make_org("International I", OrgType.INTERNATIONAL)
    return Personas(
        org_a=org_a,
        org_b=org_b,
        org_p=org_p,
        org_i=org_i,
        alice=make_user("alice", org_a, Role.CASEWORKER),
        sam=make_user("sam", org_a, Role.SUPERVISOR),
        olga=make_user("olga", org_a, Role.ORG_ADMIN),
        tina=make_user("tina", org_a, Role.TRANSIT_STAFF),
        dora=make_user("dora", org_a, Role.DPO),
        bob=make_user("bob", org_b, Role.CASEWORKER),
        petra=make_user("petra", org_p, Role.SERVICE_PROVIDER),
        nora=make_user("nora", org_i, Role.NATIONAL_COORDINATOR),
        rita=make_user("rita", org_i, Role.RESEARCHER),
        oscar=make_user("oscar", None),
    )


def sign_in(client: Client, user: User) -> Client:
    """Sign in with password and a confirmed TOTP device, as the second factor requires."""
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session["hw_reauth_at"] = int(dt.datetime.now().timestamp())
    session.save()
    return client


@pytest.fixture
def as_user(client):
    def _as(user: User) -> Client:
        return sign_in(client, user)

    return _as


@pytest.fixture
def open_case(personas):
    """Open a case through the real service, as `actor` (alice by default), with optional person fields."""
    from homeward.cases.services import case_open
    from homeward.lib.synthetic import FAMILY, FEMALE_GIVEN
    from homeward.people.models import Person
    from homeward.tests.factories import PersonFieldsFactory

    def _open(actor: User | None = None, org: Organisation | None = None, **person_fields: Any):
        actor = actor or personas.alice
        org = org or personas.org_a
        # The first synthetic name pair is ພອນສະຫວັນ ແສງທອງ / Phonsavanh Saengthong, which the tests search for.
        fields: dict[str, Any] = PersonFieldsFactory(pair=FEMALE_GIVEN[0], family=FAMILY[0])  # type: ignore[assignment]
        fields.update(person_fields)
        return case_open(actor=actor, organisation=org, person=Person(**fields))

    return _open


# The browser fixtures (Chromium through Playwright, a live server), for every browser test module.
from homeward.tests.browser_support import browser, server  # noqa: E402, F401


@pytest.fixture
def score_config(db):
    """The documented default Reintegration Sustainability configuration, in use."""
    from homeward.reintegration.demo import ensure_default_config

    return ensure_default_config()
