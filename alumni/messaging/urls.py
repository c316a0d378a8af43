"""H5 pages mounted at /messages/: 我的消息, invitation links, campaign open pixel and unsubscribe."""

from django.urls import path

from alumni.messaging import views, views_campaigns, views_invites

app_name = "messaging"
urlpatterns = [
    path("", views.notices, name="notices"),
    path("<int:notice_id>/", views.notice_detail, name="notice"),
    path("read-all/", views.notices_read_all, name="notices_read_all"),
    # Invitations (anyone with the link may look; only a signed-in user may accept).
    path("i/<str:secret>/", views_invites.invite_landing, name="invite"),
    path("i/<str:secret>/accept/", views_invites.invite_accept_view, name="invite_accept"),
    # E-mail campaigns: open pixel and unsubscribe (anonymous, signed opaque tokens).
    path("o/<str:token>.gif", views_campaigns.campaign_open, name="campaign_open"),
    path("u/<str:token>/", views_campaigns.campaign_unsubscribe_view, name="campaign_unsubscribe"),
]
