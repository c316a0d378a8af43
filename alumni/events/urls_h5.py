"""Alumni H5 pages of events: list, propose, mine, and an event's page with its actions."""

from django.urls import path

from alumni.events import views_h5 as views

urlpatterns = [
    path("", views.event_list_view, name="list"),
    path("propose/", views.propose_view, name="propose"),
    path("mine/", views.mine_view, name="mine"),
    path("<str:public_id>/", views.event_detail_view, name="detail"),
    path("<str:public_id>/register/", views.register_view, name="register"),
    path("<str:public_id>/pay/", views.pay_view, name="pay"),
    path("<str:public_id>/cancel/", views.cancel_view, name="cancel"),
    path("<str:public_id>/comments/", views.comment_view, name="comment"),
    path("<str:public_id>/photos/", views.photo_view, name="photo"),
    path("<str:public_id>/favourite/", views.favourite_view, name="favourite"),
]
