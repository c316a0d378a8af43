"""H5 pages of the alumni network for alumni, mounted at /orgs/."""

from django.urls import path

from alumni.network import views, views_manage

app_name = "network"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("mine/", views.mine, name="mine"),
    path("clubs/apply/", views.club_apply, name="club_apply"),
    path("clubs/mine/", views.club_mine, name="club_mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/apply/", views.apply, name="apply"),
]

urlpatterns += [
    path("manage/", views_manage.index, name="manage"),
    path("manage/<int:pk>/", views_manage.manage_detail, name="manage_detail"),
    path(
        "manage/<int:pk>/requests/<int:request_pk>/approve/",
        views_manage.request_approve,
        name="manage_approve",
    ),
    path(
        "manage/<int:pk>/requests/<int:request_pk>/reject/", views_manage.request_reject, name="manage_reject"
    ),
    path("manage/<int:pk>/notice/", views_manage.notice, name="manage_notice"),
]

urlpatterns += [
    path("manage/<int:pk>/stats/", views_manage.stats, name="manage_stats"),
    path("manage/<int:pk>/export/", views_manage.export, name="manage_export"),
]
