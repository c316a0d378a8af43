"""Alumni API routes under /api/v1/ (persons by public id only)."""

from django.urls import path

from alumni.people.api import views

app_name = "people_api"
urlpatterns = [
    path("colleges/", views.CollegeListView.as_view(), name="colleges"),
    path("alumni/claim/", views.ClaimView.as_view(), name="claim"),
    path("alumni/me/", views.MyRecordView.as_view(), name="me"),
    path("alumni/me/privacy/", views.MyPrivacyView.as_view(), name="me-privacy"),
    path("alumni/me/degrees/", views.MyDegreesView.as_view(), name="me-degrees"),
    path("alumni/directory/", views.DirectoryView.as_view(), name="directory"),
    path("alumni/directory/facets/", views.DirectoryFacetsView.as_view(), name="directory-facets"),
    path("alumni/persons/<slug:public_id>/", views.PersonCardView.as_view(), name="person"),
    path("alumni/cards/", views.CardsView.as_view(), name="cards"),
    path("alumni/cards/<slug:public_id>/accept/", views.CardAcceptView.as_view(), name="card-accept"),
    path("alumni/cards/<slug:public_id>/decline/", views.CardDeclineView.as_view(), name="card-decline"),
]
