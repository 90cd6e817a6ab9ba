from django.urls import path

from homeward.interop import openrosa_views, views

app_name = "interop"

urlpatterns = [
    path("import/", views.import_list, name="import_list"),
    path("import/<uuid:code>/", views.import_detail, name="import_detail"),
    path("import/<uuid:code>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<uuid:code>/discard/", views.import_discard, name="import_discard"),
    path("export/", views.export, name="export"),
    path("phone/", openrosa_views.device_password, name="device_password"),
    path("intake/", openrosa_views.intake_list, name="intake_list"),
    path("intake/<uuid:code>/", openrosa_views.intake_detail, name="intake_detail"),
    path("intake/<uuid:code>/decide/", openrosa_views.intake_decide, name="intake_decide"),
]

# What ODK Collect, KoboCollect and Enketo call: the server address given to them is /openrosa/.
openrosa_patterns = (
    [
        path("formList", openrosa_views.form_list, name="form_list"),
        path("forms/<str:form_id>/form.xml", openrosa_views.form_download, name="form_download"),
        path("submission", openrosa_views.submission, name="submission"),
    ],
    "openrosa",
)
