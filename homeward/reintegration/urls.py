from django.urls import path

from homeward.reintegration import views

app_name = "reintegration"

urlpatterns = [
    path("cases/<uuid:code>/needs/", views.needs, name="needs"),
    path("cases/<uuid:code>/plan/", views.plan_edit, name="plan_edit"),
    path("cases/<uuid:code>/services/new/", views.service_add, name="service_add"),
    path("cases/<uuid:code>/visits/new/", views.visit_add, name="visit_add"),
    path("cases/<uuid:code>/close/", views.closure_request, name="closure_request"),
    path("cases/<uuid:code>/earlier-case/", views.link_earlier, name="link"),
    path("plans/<uuid:code>/submit/", views.plan_submit, name="plan_submit"),
    path("plans/<uuid:code>/decide/", views.plan_decide, name="plan_decide"),
    path("plans/<uuid:code>/revise/", views.plan_revise, name="plan_revise"),
    path("instalments/<uuid:code>/paid/", views.instalment_paid, name="instalment_paid"),
    path("visits/overdue/", views.visits_overdue, name="visits_overdue"),
    path("visits/<uuid:code>/", views.visit, name="visit"),
    path("visits/<uuid:code>/missed/", views.visit_missed, name="visit_missed"),
    path("closures/<uuid:code>/", views.closure_decide, name="closure_decide"),
    path("scores/", views.scores, name="scores"),
    path("scores/<int:version>/", views.score_config, name="score_config"),
    path("scores/<int:version>/new-version/", views.score_revise, name="score_revise"),
    path("scores/<int:version>/activate/", views.score_activate, name="score_activate"),
]
