"""Controlled lists of the return journey (Homeward extensions of HTCDS, exported with the hw_ prefix)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """Where a returnee is on the way home. Moves forward only (see ``STAGE_ORDER``), or to Cancelled."""

    REQUESTED = "requested", _("Request received")
    TRACING = "tracing", _("Family tracing")
    ASSESSED = "assessed", _("Family assessed")
    TRAVEL = "travel", _("Travel arranged")
    HANDED_OVER = "handed_over", _("Handed over at the border")
    IN_TRANSIT = "in_transit", _("Staying at the transit centre")
    HOME = "home", _("Escorted home")
    CANCELLED = "cancelled", _("Return cancelled")


STAGE_ORDER = [
    Stage.REQUESTED,
    Stage.TRACING,
    Stage.ASSESSED,
    Stage.TRAVEL,
    Stage.HANDED_OVER,
    Stage.IN_TRANSIT,
    Stage.HOME,
]
OPEN_STAGES = [s for s in STAGE_ORDER if s != Stage.HOME]


class ReceivedDocument(models.TextChoices):
    CASE_FILE = "case_file", _("Case file")
    IDENTITY = "identity", _("Identity document or copy")
    PASSPORT = "passport", _("Passport or copy")
    PHOTO = "photo", _("Photographs")
    POLICE = "police", _("Police statement")
    MEDICAL = "medical", _("Medical report")
    INTERVIEW = "interview", _("Interview record")
    OTHER = "other", _("Other")


class TracingStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class TracingMethod(models.TextChoices):
    HOME_VISIT = "home_visit", _("Home visit")
    PHONE = "phone", _("Phone call")
    VILLAGE = "village", _("Through the village authority")
    RELATIVES = "relatives", _("Through relatives or neighbours")
    OTHER = "other", _("Other")


class TracingOutcome(models.TextChoices):
    FOUND = "found", _("Family found")
    NOT_FOUND = "not_found", _("Family not found")
    MOVED = "moved", _("Family has moved")
    NO_CONTACT = "no_contact", _("Could not reach anyone")
    REFUSED = "refused", _("Family refused contact")


class SafeToReturn(models.TextChoices):
    YES = "yes", _("Yes")
    CONDITIONS = "conditions", _("Yes, with conditions")
    NO = "no", _("No")


class ReturnRisk(models.TextChoices):
    RECRUITER = "recruiter", _("Recruiter or trafficker lives nearby")
    DEBT = "debt", _("Debt")
    STIGMA = "stigma", _("Stigma in the family or community")
    FAMILY_INVOLVED = "family_involved", _("Family was involved in the trafficking")
    VIOLENCE = "violence", _("Violence or abuse at home")
    LIVELIHOOD = "livelihood", _("No means of living")
    THREATS = "threats", _("Threats against the person or family")
    REMIGRATION = "remigration", _("Pressure to migrate again")
    OTHER = "other", _("Other")


class Recommendation(models.TextChoices):
    FAMILY = "family", _("Return to the family")
    FAMILY_SUPPORT = "family_support", _("Return to the family, with support")
    RELATIVES = "relatives", _("Live with other relatives")
    ALTERNATIVE = "alternative", _("Alternative care or shelter")
    DELAY = "delay", _("Delay the return until the risks are addressed")


class ReplyChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Official letter")
    EMBASSY = "embassy", _("Through the embassy")
    MEETING = "meeting", _("Case conference or meeting")
    OTHER = "other", _("Other")


class TravelDocument(models.TextChoices):
    TEMPORARY_PASSPORT = "temporary_passport", _("Temporary passport")
    LAISSEZ_PASSER = "laissez_passer", _("Laissez-passer")
    PASSPORT = "passport", _("Passport")
    CERTIFICATE = "certificate", _("Certificate of identity")
    BORDER_PASS = "border_pass", _("Border pass")
    NONE = "none", _("None yet")


class HandoverDocument(models.TextChoices):
    TRAVEL = "travel", _("Travel document")
    CASE_FILE = "case_file", _("Case file")
    MEDICAL = "medical", _("Medical record")
    POLICE = "police", _("Police statement")
    IDENTITY = "identity", _("Identity card")
    BELONGINGS = "belongings", _("List of belongings")
    OTHER = "other", _("Other")


class InformationSection(models.TextChoices):
    """Parts of a record that may be shared with another organisation (minimum necessary)."""

    IDENTITY = "identity", _("Identity and contact details")
    FAMILY = "family", _("Family and tracing results")
    HEALTH = "health", _("Health and medical information")
    NEEDS = "needs", _("Assistance needs")
    LEGAL = "legal", _("Legal proceedings")
    NARRATIVE = "narrative", _("What happened (trafficking narrative)")


class AgeGroup(models.TextChoices):
    CHILDREN = "children", _("Children (under 18)")
    ADULTS = "adults", _("Adults")


class RoomSex(models.TextChoices):
    FEMALE = "female", _("Women and girls")
    MALE = "male", _("Men and boys")


class StayStatus(models.TextChoices):
    PLANNED = "planned", _("Arrival planned")
    ADMITTED = "admitted", _("Staying")
    DISCHARGED = "discharged", _("Discharged")
    CANCELLED = "cancelled", _("Cancelled")


class StayServiceKind(models.TextChoices):
    INTERVIEW = "interview", _("Interview")
    ATD_INTERVIEW = "atd_interview", _("Anti-Trafficking Department interview")
    MEDICAL_CHECK = "medical_check", _("Medical check")
    MEDICAL_TEST = "medical_test", _("Medical test")
    COUNSELLING = "counselling", _("Counselling session")
    RECOVERY = "recovery", _("Recovery activity")
    VOCATIONAL = "vocational", _("Vocational activity")
    LEGAL_INFO = "legal_info", _("Legal information")
    OTHER = "other", _("Other")


MEDICAL_SERVICES = frozenset({StayServiceKind.MEDICAL_CHECK, StayServiceKind.MEDICAL_TEST})
