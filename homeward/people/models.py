from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from homeward.cases.picklists import Education, Gender, Language, MaritalStatus
from homeward.fields import EncryptedTextField
from homeward.lib.dates import PartialDate, age_on

# Fields that identify a person; each is encrypted at rest, and each read of them is audited.
NAME_FIELDS = (
    "given_name_lo",
    "family_name_lo",
    "given_name_th",
    "family_name_th",
    "given_name_latin",
    "family_name_latin",
    "aliases",
)
IDENTIFYING_FIELDS = (*NAME_FIELDS, "birth_date", "identity_number", "phone", "email", "address_detail")


class Person(models.Model):
    """A survivor (HTCDS prs_*). Names in Lao, Thai and Latin script; identifying fields encrypted."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner_org = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="people")

    given_name_lo = EncryptedTextField(_("given name (Lao script)"))
    family_name_lo = EncryptedTextField(_("family name (Lao script)"))
    given_name_th = EncryptedTextField(_("given name (Thai script)"))
    family_name_th = EncryptedTextField(_("family name (Thai script)"))
    given_name_latin = EncryptedTextField(_("given name (Latin script)"))  # prs_FirstName
    family_name_latin = EncryptedTextField(_("family name (Latin script)"))  # prs_SecondName
    aliases = EncryptedTextField(_("aliases and nicknames"))  # one per line

    gender = models.CharField(_("sex / gender"), max_length=24, choices=Gender.choices)  # prs_Gender
    # Exact date (or YYYY-MM / YYYY when only that is known), encrypted; the year alone is kept in the clear
    # for age statistics. prs_Birthdate.
    birth_date = EncryptedTextField(_("date of birth"))
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    birth_date_is_exact = models.BooleanField(default=False)

    citizenship = models.ForeignKey(
        "places.Country",
        verbose_name=_("citizenship"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )  # prs_Citizenship
    primary_language = models.CharField(
        _("primary language"), max_length=8, choices=Language.choices, blank=True
    )
    secondary_language = models.CharField(
        _("second language"), max_length=8, choices=Language.choices, blank=True
    )
    education = models.CharField(
        _("highest level of education"), max_length=40, choices=Education.choices, blank=True
    )
    marital_status = models.CharField(
        _("marital status"), max_length=24, choices=MaritalStatus.choices, blank=True
    )
    number_of_children = models.PositiveSmallIntegerField(_("number of children"), null=True, blank=True)
    identity_number = EncryptedTextField(_("identity document number"))  # prs_IdentityNumber
    phone = EncryptedTextField(_("phone"))  # prs_MobilePhone
    email = EncryptedTextField(_("email"))  # prs_Email
    province = models.ForeignKey(
        "places.Area",
        verbose_name=_("home province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )  # prs_MailingState
    district = models.ForeignKey(
        "places.Area",
        verbose_name=_("home district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address_detail = EncryptedTextField(_("village and address"))  # prs_MailingStreet / prs_MailingCity

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            # Name search reads a person's organisation without visiting the wide row of encrypted columns
            # (bench/README.md).
            models.Index(fields=["id", "owner_org"], name="person_id_owner_org"),
        ]

    def __str__(self) -> str:
        return str(self.code)

    @property
    def display_name(self) -> str:
        """The name in every script the record has, e.g. 'ພອນສະຫວັນ ແສງທອງ · Phonsavanh Saengthong'."""
        parts = []
        for given, family in (
            (self.given_name_lo, self.family_name_lo),
            (self.given_name_th, self.family_name_th),
            (self.given_name_latin, self.family_name_latin),
        ):
            name = " ".join(p for p in (given, family) if p)
            if name:
                parts.append(name)
        return " · ".join(parts)

    @property
    def birth(self) -> PartialDate | None:
        return PartialDate.parse_iso(self.birth_date) if self.birth_date else None

    def age(self, on: dt.date | None = None) -> int | None:
        birth = self.birth
        return age_on(birth, on or dt.date.today()) if birth else None


class NameKey(models.Model):
    """A keyed blind index of one name token of a person: HMAC(level + normalised/folded token)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_keys")
    digest = models.CharField(max_length=32)
    level = models.CharField(max_length=1)
    key_id = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "digest"], name="namekey_unique_digest")]
        # The people holding a digest, answered from the index alone.
        indexes = [models.Index(fields=["digest", "person"], name="namekey_digest_person")]
