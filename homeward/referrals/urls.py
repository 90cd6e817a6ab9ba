from django.urls import path

from homeward.referrals import views

app_name = "referrals"

urlpatterns = [
    path("directory/", views.directory, name="directory"),
    path("directory/new/", views.service_edit, name="service_new"),
    path("directory/providers/new/", views.provider_new, name="provider_new"),
    path("directory/export/", views.directory_export, name="directory_export"),
    path("directory/import/", views.directory_import, name="directory_import"),
    path("directory/<uuid:code>/", views.service_detail, name="service"),
    path("directory/<uuid:code>/edit/", views.service_edit, name="service_edit"),
    path("received/", views.incoming, name="incoming"),
    path("sent/", views.outgoing, name="outgoing"),
    path("cases/<uuid:code>/refer/", views.refer, name="refer"),
    path("cases/<uuid:code>/transfer/", views.transfer_new, name="transfer_new"),
    path("<uuid:code>/", views.referral_detail, name="detail"),
    path("<uuid:code>/accept/", views.referral_accept, name="accept"),
    path("<uuid:code>/decline/", views.referral_decline, name="decline"),
    path("<uuid:code>/ask/", views.referral_ask, name="ask"),
    path("<uuid:code>/answer/", views.referral_answer, name="answer"),
    path("<uuid:code>/complete/", views.referral_complete, name="complete"),
    path("<uuid:code>/revoke/", views.referral_revoke, name="revoke"),
    path("<uuid:code>/not-taken-up/", views.referral_not_taken_up, name="not_taken_up"),
    path("<uuid:code>/slip/", views.referral_slip, name="slip"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/<uuid:code>/", views.transfer_detail, name="transfer"),
    path("transfers/<uuid:code>/cancel/", views.transfer_cancel, name="transfer_cancel"),
    path("figures/", views.figures, name="figures"),
    path("gaps/", views.gaps, name="gaps"),
    path("settings/", views.network_settings, name="settings"),
]
