"""The holder's e-ticket pages."""

from django.urls import path

from alumni.events import views_tickets as views

urlpatterns = [
    path("tickets/<str:code>/", views.ticket_view, name="ticket"),
    path("tickets/<str:code>/pdf/", views.ticket_pdf_view, name="ticket_pdf"),
]
