"""Messaging API under /api/v1/ (other messaging areas append their lines below)."""

from django.urls import path

from alumni.messaging.api import views

app_name = "messaging_api"
urlpatterns = [
    path("notices/", views.NoticeListView.as_view(), name="notices"),
    path("notices/unread-count/", views.UnreadCountView.as_view(), name="notices-unread-count"),
    path("notices/read-all/", views.NoticeReadAllView.as_view(), name="notices-read-all"),
    path("notices/<int:notice_id>/read/", views.NoticeReadView.as_view(), name="notice-read"),
]

from alumni.messaging.api import invites  # noqa: E402  (invitations, appended by their area)

urlpatterns += [
    path("invites/<str:secret>/", invites.InvitationView.as_view(), name="invite"),
    path("invites/<str:secret>/accept/", invites.InvitationAcceptView.as_view(), name="invite-accept"),
]
