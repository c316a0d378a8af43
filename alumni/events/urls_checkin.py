"""The staff scanner page."""

from django.urls import path

from alumni.events import views_checkin as views

urlpatterns = [
    path("<str:public_id>/checkin/", views.checkin_view, name="checkin"),
]
