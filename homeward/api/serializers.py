"""What the API shows of each record. Identifying fields appear only where the caller holds the capability that
shows them on the web pages (case.view), and reading them is audited in the same way."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from homeward.cases.models import Case, TraffickingEvent, VictimContext
from homeward.people.models import Person
from homeward.referrals.models import Referral, Service
from homeward.reintegration.models import FollowUpVisit, ReintegrationPlan
from homeward.returns.models import Returnee, ReturnRequest
from homeward.training.models import Course, TrainingSession


class PlaceField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", read_only=True, **kwargs)


class PersonSerializer(serializers.ModelSerializer):
    code = serializers.UUIDField(read_only=True)
    province = PlaceField()
    district = PlaceField()
    citizenship = PlaceField()
    aliases = serializers.SerializerMethodField()

    class Meta:
        model = Person
        # Every field of the person (all identifying: the caller holds case.view), but the internal ones.
        exclude = ["id", "owner_org", "birth_date_is_exact", "created_at", "updated_at"]

    def get_aliases(self, person: Person) -> list[str]:
        return [line.strip() for line in person.aliases.splitlines() if line.strip()]


class PersonWithCasesSerializer(PersonSerializer):
    cases = serializers.ListField(child=serializers.UUIDField(), read_only=True)

    class Meta(PersonSerializer.Meta):
        pass


class VictimSerializer(serializers.ModelSerializer):
    class Meta:
        model = VictimContext
        exclude = ["id", "case", "updated_at"]


class EventSerializer(serializers.ModelSerializer):
    code = serializers.UUIDField(read_only=True)
    country = PlaceField()
    area = PlaceField()

    class Meta:
        model = TraffickingEvent
        fields = ["code", "type", "date", "country", "area", "city", "description"]


class CaseListSerializer(serializers.ModelSerializer):
    code = serializers.UUIDField(read_only=True)
    organisation = serializers.CharField(source="owner_org.name", read_only=True)
    caseworker = serializers.CharField(source="caseworker.get_username", read_only=True, allow_null=True)
    person = serializers.UUIDField(source="person.code", read_only=True)
    name = serializers.CharField(source="person.display_name", read_only=True)
    gender = serializers.CharField(source="person.gender", read_only=True)
    province = serializers.CharField(source="person.province.code", read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = [
            "code",
            "reference",
            "status",
            "opened_on",
            "closed_on",
            "closure_reason",
            "organisation",
            "caseworker",
            "person",
            "name",
            "gender",
            "province",
        ]


class CaseSerializer(CaseListSerializer):
    person = PersonSerializer(read_only=True)  # type: ignore[assignment]
    victim = VictimSerializer(read_only=True)
    events = EventSerializer(many=True, read_only=True)

    class Meta(CaseListSerializer.Meta):
        fields = [*CaseListSerializer.Meta.fields, "closure_details", "victim", "events"]


class ServiceSerializer(serializers.ModelSerializer):
    code = serializers.UUIDField(read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    province = PlaceField()
    district = PlaceField()

    class Meta:
        model = Service
        exclude = [
            "id",
            "areas",
            "nationalities",
            "updated_at",
            "updated_by",
        ]  # who edited it: not for the API


class PlanSerializer(serializers.ModelSerializer):
    """A reintegration plan (HTCDS spl_*)."""

    code = serializers.UUIDField(read_only=True)

    class Meta:
        model = ReintegrationPlan
        fields = [
            "code",
            "version",
            "status",
            "objectives",
            "action_plan",
            "types",
            "planned_end",
            "actual_end",
            "created_at",
            "submitted_at",
            "approved_at",
        ]


class VisitSerializer(serializers.ModelSerializer):
    code = serializers.UUIDField(read_only=True)

    class Meta:
        model = FollowUpVisit
        fields = ["code", "months_after_return", "due_on", "status", "visited_on", "mode", "place", "notes"]


class ReferralSerializer(serializers.ModelSerializer):
    code = serializers.UUIDField(read_only=True)
    to_organisation = serializers.CharField(source="to_org.name", read_only=True)
    service = serializers.UUIDField(source="service.code", read_only=True, allow_null=True)

    class Meta:
        model = Referral
        fields = [
            "code",
            "reference",
            "category",
            "to_organisation",
            "service",
            "outside",
            "sections",
            "urgent",
            "status",
            "sent_at",
            "accepted_at",
            "closed_at",
        ]


class ReturneeSerializer(serializers.ModelSerializer):
    code = serializers.UUIDField(read_only=True)
    case = serializers.UUIDField(source="case.code", read_only=True)
    case_reference = serializers.CharField(source="case.reference", read_only=True)

    class Meta:
        model = Returnee
        fields = ["code", "case", "case_reference", "stage", "added_at"]


class ReturnRequestSerializer(serializers.ModelSerializer):
    code = serializers.UUIDField(read_only=True)
    organisation = serializers.CharField(source="owner_org.name", read_only=True)
    requesting_agency = serializers.CharField(source="requesting_agency.name", read_only=True)
    host_country = PlaceField()
    returnees = ReturneeSerializer(many=True, read_only=True)

    class Meta:
        model = ReturnRequest
        fields = [
            "code",
            "reference",
            "organisation",
            "requesting_agency",
            "host_country",
            "received_on",
            "created_at",
            "returnees",
        ]


class CourseSerializer(serializers.ModelSerializer):
    code = serializers.UUIDField(read_only=True)

    class Meta:
        model = Course
        fields = [
            "code",
            "title_en",
            "title_lo",
            "description_en",
            "description_lo",
            "duration_days",
            "is_active",
        ]


class SessionSerializer(serializers.ModelSerializer):
    code = serializers.UUIDField(read_only=True)
    course = serializers.UUIDField(source="course.code", read_only=True)
    course_title = serializers.CharField(source="course.title_en", read_only=True)
    province = PlaceField()
    district = PlaceField()
    organiser = serializers.CharField(source="organiser.name", read_only=True, allow_null=True)

    class Meta:
        model = TrainingSession
        fields = [
            "code",
            "course",
            "course_title",
            "start_on",
            "end_on",
            "province",
            "district",
            "venue",
            "organiser",
        ]
