from django.urls import path

from alumni.accounts.api import views

app_name = "api"
urlpatterns = [
    path("auth/login/", views.LoginView.as_view(), name="auth-login"),
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/wechat/miniprogram/", views.MiniProgramLoginView.as_view(), name="auth-wechat-miniprogram"),
    path("me/", views.MeView.as_view(), name="me"),
    path("school/", views.SchoolView.as_view(), name="school"),
]
