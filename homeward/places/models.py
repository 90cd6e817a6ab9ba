from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class LocalisedName(models.Model):
    name_en = models.CharField(max_length=200)
    name_lo = models.CharField(max_length=200, blank=True)
    name_th = models.CharField(max_length=200, blank=True)
    name_fr = models.CharField(max_length=200, blank=True)
    # Every known spelling, normalised and folded (homeward.places.services.search_text); searched with contains.
    search_text = models.TextField(blank=True, default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "en")[:2]
        return getattr(self, f"name_{lang}", "") or self.name_en


class Country(LocalisedName):
    """ISO 3166-1 country."""

    code = models.CharField(_("code"), max_length=2, unique=True)  # alpha-2

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")


class AreaLevel(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    DISTRICT = 2, _("District")


class Area(LocalisedName):
    """A province or district (Lao provinces and districts, Thai provinces). Codes are P-codes / ISO 3166-2."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="areas")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(choices=AreaLevel.choices)
    iso_code = models.CharField(max_length=10, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        indexes = [models.Index(fields=["country", "level"], name="area_country_level")]


class CheckpointKind(models.TextChoices):
    BRIDGE = "bridge", _("Bridge")
    ROAD = "road", _("Road crossing")
    RAIL = "rail", _("Railway")
    RIVER = "river", _("River crossing")
    AIR = "air", _("Airport")


class BorderCheckpoint(LocalisedName):
    """An international border checkpoint where returnees are handed over (reference data, loaded from CSV)."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=CheckpointKind.choices)
    lao_area = models.ForeignKey(
        Area, verbose_name=_("Lao province"), on_delete=models.PROTECT, related_name="checkpoints"
    )
    other_country = models.ForeignKey(
        Country,
        verbose_name=_("neighbouring country"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    other_area = models.ForeignKey(
        Area,
        verbose_name=_("neighbouring province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("border checkpoint")
        verbose_name_plural = _("border checkpoints")
