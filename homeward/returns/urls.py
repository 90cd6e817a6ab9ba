from django.urls import path

from homeward.returns import transit_views, views

app_name = "returns"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_create, name="create"),
    path("agencies/", views.agency_list, name="agencies"),
    path("agencies/new/", views.agency_create, name="agency_create"),
    path("tracing/", views.tracing_list, name="tracing_list"),
    path("tracing/<uuid:code>/", views.tracing_detail, name="tracing"),
    path("tracing/<uuid:code>/attempts/", views.tracing_attempt_add, name="tracing_attempt"),
    path("tracing/<uuid:code>/assessment/", views.assessment_edit, name="assessment"),
    path("tracing/<uuid:code>/complete/", views.tracing_complete, name="tracing_complete"),
    path("people/<uuid:code>/travel/", views.travel_edit, name="travel"),
    path("people/<uuid:code>/cancel/", views.returnee_cancel, name="returnee_cancel"),
    path("cases/<uuid:code>/stay/", views.stay_plan, name="stay_plan"),
    path("<uuid:code>/", views.request_detail, name="detail"),
    path("<uuid:code>/edit/", views.request_edit, name="edit"),
    path("<uuid:code>/people/new/", views.returnee_add, name="returnee_add"),
    path("<uuid:code>/tracing/", views.tracing_request, name="tracing_request"),
    path("<uuid:code>/reply/", views.reply, name="reply"),
    path("<uuid:code>/reply/<uuid:reply_code>/", views.reply_print, name="reply_print"),
    path("<uuid:code>/handover/", views.handover, name="handover"),
]

transit_patterns = (
    [
        path("", transit_views.facility_list, name="list"),
        path("new/", transit_views.facility_create, name="create"),
        path("<uuid:code>/", transit_views.board, name="board"),
        path("<uuid:code>/setup/", transit_views.facility_setup, name="setup"),
        path("<uuid:code>/rooms/new/", transit_views.room_create, name="room_create"),
        path("rooms/<uuid:code>/", transit_views.room_edit, name="room"),
        path("beds/<uuid:code>/toggle/", transit_views.bed_toggle, name="bed_toggle"),
        path("stays/<uuid:code>/", transit_views.stay_detail, name="stay"),
        path("stays/<uuid:code>/admit/", transit_views.stay_admit, name="admit"),
        path("stays/<uuid:code>/move/", transit_views.stay_move, name="move"),
        path("stays/<uuid:code>/services/", transit_views.stay_service_add, name="service_add"),
        path("stays/<uuid:code>/consent/", transit_views.stay_consent, name="consent"),
        path("stays/<uuid:code>/discharge/", transit_views.stay_discharge, name="discharge"),
        path("stays/<uuid:code>/cancel/", transit_views.stay_cancel, name="cancel"),
    ],
    "transit",
)
