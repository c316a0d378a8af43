"""The operator console, under /console/ on the platform domain."""

from django.urls import path

from tenants import console

app_name = "console"
urlpatterns = [
    path("", console.schools, name="schools"),
    path("login/", console.ConsoleLoginView.as_view(), name="login"),
    path("logout/", console.ConsoleLogoutView.as_view(), name="logout"),
    path("schools/new/", console.school_new, name="school_new"),
    path("schools/<int:pk>/", console.school_detail, name="school"),
    path("schools/<int:pk>/suspend/", console.school_suspend_view, name="school_suspend"),
    path("schools/<int:pk>/reactivate/", console.school_reactivate_view, name="school_reactivate"),
    path("log/", console.operator_log, name="log"),
]
