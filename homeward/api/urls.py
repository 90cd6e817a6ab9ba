from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from homeward.api import token_views, views

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("people", views.PersonViewSet, basename="person")
router.register("services", views.ServiceViewSet, basename="service")
router.register("returns", views.ReturnRequestViewSet, basename="return")
router.register("training/courses", views.CourseViewSet, basename="course")
router.register("training/sessions", views.SessionViewSet, basename="session")

app_name = "api"

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("tokens/", token_views.tokens, name="tokens"),
    path("tokens/<uuid:code>/revoke/", token_views.revoke, name="token_revoke"),
]
