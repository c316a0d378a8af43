"""H5 pages of the alumni network for alumni, mounted at /orgs/."""

from django.urls import path

from alumni.network import views

app_name = "network"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/apply/", views.apply, name="apply"),
]
