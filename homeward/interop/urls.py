from django.urls import path

from homeward.interop import views

app_name = "interop"

urlpatterns = [
    path("import/", views.import_list, name="import_list"),
    path("import/<uuid:code>/", views.import_detail, name="import_detail"),
    path("import/<uuid:code>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<uuid:code>/discard/", views.import_discard, name="import_discard"),
    path("export/", views.export, name="export"),
]
