from django.urls import path

from alumni.accounts import views

app_name = "accounts"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("login/", views.AccountLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("me/", views.me, name="me"),
    path("wechat/login/", views.wechat_login, name="wechat_login"),
    path("wechat/callback/", views.wechat_callback, name="wechat_callback"),
    path("wechat/<int:identity_id>/unbind/", views.wechat_unbind, name="wechat_unbind"),
]
