"""Alumni-side network API routes under /api/v1/ (organizations by id)."""

from django.urls import path

from alumni.network.api import views

app_name = "network_api"
urlpatterns = [
    path("orgs/", views.OrganizationListView.as_view(), name="orgs"),
    path("orgs/mine/", views.MyOrganizationsView.as_view(), name="mine"),
    path("orgs/recommended/", views.RecommendedOrganizationsView.as_view(), name="recommended"),
    path("orgs/clubs/applications/", views.ClubApplicationsView.as_view(), name="club_applications"),
    path(
        "orgs/clubs/applications/pending/",
        views.ClubApplicationsPendingView.as_view(),
        name="club_applications_pending",
    ),
    path(
        "orgs/clubs/applications/<int:pk>/approve/",
        views.ClubApplicationApproveView.as_view(),
        name="club_application_approve",
    ),
    path(
        "orgs/clubs/applications/<int:pk>/reject/",
        views.ClubApplicationRejectView.as_view(),
        name="club_application_reject",
    ),
    path("orgs/<int:pk>/", views.OrganizationDetailView.as_view(), name="org"),
    path("orgs/<int:pk>/apply/", views.OrganizationApplyView.as_view(), name="apply"),
]
