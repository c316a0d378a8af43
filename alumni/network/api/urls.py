"""Alumni-side network API routes under /api/v1/ (organizations by id)."""

from django.urls import path

from alumni.network.api import views

app_name = "network_api"
urlpatterns = [
    path("orgs/", views.OrganizationListView.as_view(), name="orgs"),
    path("orgs/mine/", views.MyOrganizationsView.as_view(), name="mine"),
    path("orgs/<int:pk>/", views.OrganizationDetailView.as_view(), name="org"),
    path("orgs/<int:pk>/apply/", views.OrganizationApplyView.as_view(), name="apply"),
]
