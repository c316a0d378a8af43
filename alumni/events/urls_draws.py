"""Lottery pages under /events/<public_id>/draws/."""

from django.urls import path

from alumni.events.views_draws import draw_screen_view, draw_verify_view

urlpatterns = [
    path("<str:public_id>/draws/screen/", draw_screen_view, name="draw_screen"),
    path("<str:public_id>/draws/<int:draw_id>/verify/", draw_verify_view, name="draw_verify"),
]
