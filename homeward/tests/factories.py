"""factory_boy factories: synthetic, obviously invented data only, with a fixed seed."""

from __future__ import annotations

import factory
import factory.random
from factory.django import DjangoModelFactory

from homeward.accounts.models import Membership, Organisation, OrgType, User
from homeward.lib.synthetic import FAMILY, FEMALE_GIVEN

factory.random.reseed_random(2026)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Test Organisation {n}")
    short_name = factory.LazyAttribute(lambda o: o.name.split()[0])
    type = OrgType.NGO


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda u: u.username.title())
    password = factory.django.Password("correct horse battery staple 42")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "caseworker"


class PersonFieldsFactory(factory.DictFactory):
    """Fields of an invented survivor, for homeward.cases.services.case_open (which encrypts and indexes)."""

    class Params:
        pair = factory.Iterator(FEMALE_GIVEN)
        family = factory.Iterator(FAMILY)

    given_name_lo = factory.LazyAttribute(lambda o: o.pair[0])
    given_name_latin = factory.LazyAttribute(lambda o: o.pair[1][0])
    family_name_lo = factory.LazyAttribute(lambda o: o.family[0])
    family_name_latin = factory.LazyAttribute(lambda o: o.family[1][0])
    gender = "Feminine"
