from django.urls import path

from homeward.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("<uuid:code>/", views.case_detail, name="detail"),
    path("<uuid:code>/person/", views.person_edit, name="person_edit"),
    path("<uuid:code>/trafficking/", views.victim_edit, name="victim_edit"),
    path("<uuid:code>/status/", views.status_change, name="status"),
    path("<uuid:code>/assign/", views.assign, name="assign"),
    path("<uuid:code>/events/new/", views.event_edit, name="event_add"),
    path("<uuid:code>/events/<uuid:event_code>/", views.event_edit, name="event_edit"),
    path("<uuid:code>/events/<uuid:event_code>/delete/", views.event_delete, name="event_delete"),
    path("<uuid:code>/comments/", views.comment_add, name="comment_add"),
    path("<uuid:code>/consents/new/", views.consent_add, name="consent_add"),
    path(
        "<uuid:code>/consents/<uuid:consent_code>/withdraw/", views.consent_withdraw, name="consent_withdraw"
    ),
    path("<uuid:code>/documents/new/", views.document_upload, name="document_upload"),
    path("<uuid:code>/documents/<uuid:document_code>/", views.document_download, name="document_download"),
]
