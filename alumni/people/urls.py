"""H5 pages for alumni, mounted at /alumni/ (persons appear by public id only)."""

from django.urls import path

from alumni.people import views

app_name = "people"
urlpatterns = [
    path("", views.home, name="home"),
    path("verify/", views.verify, name="verify"),
    path("me/", views.me, name="me"),
    path("me/contact/", views.me_edit, name="me_edit"),
    path("me/privacy/", views.me_privacy, name="me_privacy"),
    path("me/degrees/new/", views.degree_new, name="degree_new"),
    path("directory/", views.directory, name="directory"),
    path("p/<slug:public_id>/", views.person_detail, name="person"),
    path("p/<slug:public_id>/card/", views.card_request, name="card_request"),
    path("cards/", views.cards, name="cards"),
    path("cards/<slug:public_id>/accept/", views.card_accept, name="card_accept"),
    path("cards/<slug:public_id>/decline/", views.card_decline, name="card_decline"),
]
