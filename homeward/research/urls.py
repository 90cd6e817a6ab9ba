from django.urls import path

from homeward.research import views

app_name = "research"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("report/", views.report, name="report"),
    path("releases/", views.releases, name="releases"),
    path("releases/new/records/", views.release_kanon, name="release_kanon"),
    path("releases/new/counts/", views.release_dp, name="release_dp"),
    path("releases/<str:code>/", views.release_detail, name="release"),
    path("releases/<str:code>/withdraw/", views.release_withdraw, name="release_withdraw"),
    path("releases/<str:code>/<str:layout>.csv", views.release_download, name="release_download"),
    path("datasets/", views.datasets, name="datasets"),
    path("datasets/new/", views.dataset_form, name="dataset_new"),
    path("datasets/<str:code>/", views.dataset_form, name="dataset_edit"),
    path("<str:topic>/", views.dashboard, name="topic"),
]
