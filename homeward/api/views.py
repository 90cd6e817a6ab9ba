"""The REST API: the same selectors, services, policy and audit as the web pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from homeward.accounts.policy import capabilities_by_org
from homeward.api import serializers
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.cases.models import Case
from homeward.cases.picklists import CaseStatus
from homeward.cases.selectors import cases_visible_to, get_case_for
from homeward.cases.services import case_record_view, cases_record_list
from homeward.forms import client_ip
from homeward.people.models import IDENTIFYING_FIELDS
from homeward.places.models import Area, AreaLevel
from homeward.referrals.models import Service
from homeward.referrals.picklists import ServiceCategory
from homeward.referrals.selectors import DirectoryFilters, directory_search, get_service, referrals_of
from homeward.reintegration.models import FollowUpVisit, ReintegrationPlan
from homeward.returns.models import ReturnRequest
from homeward.returns.selectors import get_request_for, requests_visible_to
from homeward.training.models import Course, TrainingSession
from homeward.training.selectors import get_course, get_session

STATUS_FILTERS = ["open", "closed", *CaseStatus.values]
UUID_PATTERN = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


def _date(request: Request, name: str) -> Any:
    from django.utils.dateparse import parse_date

    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        value = parse_date(raw)
    except ValueError:
        value = None
    if value is None:
        raise exceptions.ValidationError({name: [_("Write the date as YYYY-MM-DD.")]})
    return value


@extend_schema_view(
    list=extend_schema(
        summary="Cases the caller may see",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=STATUS_FILTERS),
            OpenApiParameter("province", OpenApiTypes.STR, description="home province code, e.g. LA13"),
            OpenApiParameter("opened_after", OpenApiTypes.DATE),
            OpenApiParameter("opened_before", OpenApiTypes.DATE),
        ],
    ),
    retrieve=extend_schema(summary="One case, with the person, trafficking context and events"),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases of the organisations where the caller holds ``case.view``. Every list and every case read is
    audited, as on the web pages."""

    lookup_field = "code"
    lookup_value_regex = UUID_PATTERN

    def get_serializer_class(self) -> Any:
        return serializers.CaseSerializer if self.action == "retrieve" else serializers.CaseListSerializer

    def get_queryset(self) -> QuerySet[Case]:
        qs = cases_visible_to(self.request.user).select_related(
            "person", "person__province", "owner_org", "caseworker"
        )
        params = self.request.query_params
        status = params.get("status", "")
        if status:
            if status not in STATUS_FILTERS:
                raise exceptions.ValidationError(
                    {"status": [_("Use one of: %s.") % ", ".join(STATUS_FILTERS)]}
                )
            if status == "open":
                qs = qs.filter(status__in=[CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP])
            elif status == "closed":
                qs = qs.filter(status__in=[CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED])
            else:
                qs = qs.filter(status=status)
        if params.get("province"):
            qs = qs.filter(person__province__code=params["province"][:10])
        if (after := _date(self.request, "opened_after")) is not None:
            qs = qs.filter(opened_on__gte=after)
        if (before := _date(self.request, "opened_before")) is not None:
            qs = qs.filter(opened_on__lte=before)
        return qs.order_by("-opened_on", "-id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        cases = list(page or [])
        cases_record_list(actor=request.user, cases=cases, searched=False, ip=client_ip(request))
        return self.get_paginated_response(self.get_serializer(cases, many=True).data)

    def _case(self, request: Request, code: str) -> Case:
        return get_case_for(request.user, code)

    def _read(
        self, request: Request, case: Case, object_type: str, records: Sequence[Any], fields: Sequence[str]
    ) -> None:
        """Audit a read of a case's records that hold free text (as their pages do)."""
        if records:
            audit_record(
                actor=request.user,
                action=Action.VIEW,
                object_type=object_type,
                object_codes=[case.code, *(r.code for r in records)],
                fields=fields,
                organisation_id=case.owner_org_id,
                ip=client_ip(request),
            )

    @extend_schema(summary="The case's reintegration plans", responses=serializers.PlanSerializer(many=True))
    @action(detail=True, pagination_class=None)
    def plans(self, request: Request, code: str) -> Response:
        case = self._case(request, code)
        plans = list(ReintegrationPlan.objects.filter(case=case).order_by("-version", "-id"))
        self._read(request, case, "reintegration_plan", plans, ["objectives", "action_plan"])
        return Response(serializers.PlanSerializer(plans, many=True).data)

    @extend_schema(summary="The case's follow-up visits", responses=serializers.VisitSerializer(many=True))
    @action(detail=True, pagination_class=None)
    def visits(self, request: Request, code: str) -> Response:
        case = self._case(request, code)
        visits = list(FollowUpVisit.objects.filter(case=case).order_by("due_on", "id"))
        self._read(request, case, "follow_up_visit", visits, ["place", "notes"])
        return Response(serializers.VisitSerializer(visits, many=True).data)

    @extend_schema(
        summary="The case's referrals to services", responses=serializers.ReferralSerializer(many=True)
    )
    @action(detail=True, pagination_class=None)
    def referrals(self, request: Request, code: str) -> Response:
        case = self._case(request, code)
        return Response(serializers.ReferralSerializer(referrals_of(case), many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self._case(request, kwargs["code"])
        case = (
            Case.objects.select_related(
                "person__province",
                "person__district",
                "person__citizenship",
                "owner_org",
                "caseworker",
                "victim",
            )
            .prefetch_related("events__country", "events__area")
            .get(pk=case.pk)
        )
        person = case.person
        case_record_view(
            actor=request.user,
            case=case,
            fields=[f for f in IDENTIFYING_FIELDS if getattr(person, f)],
            ip=client_ip(request),
        )
        return Response(self.get_serializer(case).data)


@extend_schema_view(
    list=extend_schema(
        summary="The service directory",
        parameters=[
            OpenApiParameter("category", OpenApiTypes.STR, enum=ServiceCategory.values),
            OpenApiParameter("province", OpenApiTypes.STR, description="province code, e.g. LA13"),
        ],
    ),
    retrieve=extend_schema(summary="One service"),
)
class ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The national service directory (Open Referral HSDS shape on the web), for anyone who works in the network."""

    serializer_class = serializers.ServiceSerializer
    lookup_field = "code"
    lookup_value_regex = UUID_PATTERN

    def _member(self) -> None:
        if not capabilities_by_org(self.request.user):
            raise exceptions.NotFound()

    def get_queryset(self) -> QuerySet[Service]:
        self._member()
        params = self.request.query_params
        category = params.get("category", "")
        if category and category not in ServiceCategory.values:
            raise exceptions.ValidationError(
                {"category": [_("Use one of: %s.") % ", ".join(ServiceCategory.values)]}
            )
        province = None
        if params.get("province"):
            province = Area.objects.filter(code=params["province"][:10], level=AreaLevel.PROVINCE).first()
            if province is None:
                return Service.objects.none()  # no such province: no service serves it (as for cases)
        # The directory's own search, as on its page: active services that serve the province.
        return directory_search(DirectoryFilters(category=category, province=province)).order_by("name", "id")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._member()
        return Response(self.get_serializer(get_service(kwargs["code"])).data)


@extend_schema_view(
    list=extend_schema(summary="Return requests of the caller's organisations, with their returnees"),
    retrieve=extend_schema(summary="One return request"),
)
class ReturnRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Requests to bring people home, of the organisations where the caller holds ``case.view``. Returnees are
    given by case code and stage; their names are read through the cases endpoint (audited)."""

    serializer_class = serializers.ReturnRequestSerializer
    lookup_field = "code"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[ReturnRequest]:
        return (
            requests_visible_to(self.request.user)
            .select_related("owner_org", "requesting_agency", "host_country")
            .prefetch_related("returnees__case")
            .order_by("-received_on", "-id")
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = get_request_for(request.user, kwargs["code"])
        return Response(self.get_serializer(self.get_queryset().get(pk=found.pk)).data)


class _NetworkOnly:
    """Reference data for anyone who works in the network, as on the pages."""

    request: Any

    def _member(self) -> None:
        if not capabilities_by_org(self.request.user):
            raise exceptions.NotFound()


@extend_schema_view(
    list=extend_schema(summary="Training courses"), retrieve=extend_schema(summary="One course")
)
class CourseViewSet(_NetworkOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.CourseSerializer
    lookup_field = "code"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Course]:
        self._member()
        return Course.objects.order_by("title_en", "id")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._member()
        return Response(self.get_serializer(get_course(kwargs["code"])).data)


@extend_schema_view(
    list=extend_schema(summary="Training sessions, latest first"),
    retrieve=extend_schema(summary="One session"),
)
class SessionViewSet(_NetworkOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.SessionSerializer
    lookup_field = "code"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[TrainingSession]:
        self._member()
        return TrainingSession.objects.select_related("course", "province", "district", "organiser").order_by(
            "-start_on", "-id"
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._member()
        return Response(self.get_serializer(get_session(kwargs["code"])).data)


@extend_schema(
    summary="One person, with the codes of their cases", responses=serializers.PersonWithCasesSerializer
)
class PersonViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A person with every identifying field, for holders of ``case.view`` in the organisation of one of their
    cases; anyone else gets 404. Each read is audited, as the case page's is."""

    serializer_class = serializers.PersonWithCasesSerializer
    lookup_field = "code"
    lookup_value_regex = UUID_PATTERN

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cases = list(
            cases_visible_to(request.user)
            .filter(person__code=kwargs["code"])
            .select_related("person__province", "person__district", "person__citizenship")
            .order_by("-opened_on", "-id")
        )
        if not cases:
            raise exceptions.NotFound()
        person = cases[0].person
        for case in cases:
            case_record_view(
                actor=request.user,
                case=case,
                fields=[f for f in IDENTIFYING_FIELDS if getattr(person, f)],
                ip=client_ip(request),
            )
        data = serializers.PersonSerializer(person).data
        data["cases"] = [str(case.code) for case in cases]
        return Response(data)
