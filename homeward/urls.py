from django.urls import include, path
from django.views.i18n import set_language

from homeward import views
from homeward.audit.views import audit_log
from homeward.interop.urls import openrosa_patterns
from homeward.places.views import district_options
from homeward.reintegration import views as reintegration_views
from homeward.returns.urls import transit_patterns
from homeward.training import views as training_views

urlpatterns = [
    path("", views.index, name="index"),
    path("home/", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("homeward.accounts.urls")),
    path("cases/", include("homeward.cases.urls")),
    path("returns/", include("homeward.returns.urls")),
    path("transit/", include(transit_patterns)),
    path("reintegration/", include("homeward.reintegration.urls")),
    path("referrals/", include("homeward.referrals.urls")),
    path("training/", include("homeward.training.urls")),
    path("research/", include("homeward.research.urls")),
    path("interop/", include("homeward.interop.urls")),
    path("openrosa/", include(openrosa_patterns)),
    path("api/", include("homeward.api.urls")),
    path("verify/", training_views.verify, name="verify"),
    path("verify/<str:code>/", training_views.verify, name="verify_code"),
    path("queue/", reintegration_views.queue, name="queue"),
    path("audit/", audit_log, name="audit_log"),
    path("places/districts/", district_options, name="district_options"),
]
