from django.urls import path

from homeward.training import views

app_name = "training"

urlpatterns = [
    path("", views.index, name="index"),
    path("coverage/", views.coverage, name="coverage"),
    path("courses/new/", views.course_edit, name="course_new"),
    path("courses/<uuid:code>/", views.course_detail, name="course"),
    path("courses/<uuid:code>/edit/", views.course_edit, name="course_edit"),
    path("sessions/new/", views.session_edit, name="session_new"),
    path("sessions/<uuid:code>/", views.session_detail, name="session"),
    path("sessions/<uuid:code>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<uuid:code>/register/", views.register, name="register"),
    path("sessions/<uuid:code>/import/", views.import_participants, name="import"),
    path("sessions/<uuid:code>/attendance/", views.attendance, name="attendance"),
    path("sessions/<uuid:code>/attendance.xlsx", views.attendance_sheet, name="sheet"),
    path("participants/<uuid:code>/result/", views.result, name="result"),
    path("participants/<uuid:code>/remove/", views.unregister, name="unregister"),
    path("participants/<uuid:code>/certificate/", views.certificate, name="certificate"),
]
