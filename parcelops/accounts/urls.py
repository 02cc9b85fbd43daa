from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            redirect_authenticated_user=True,
            # The sign-in page warns how many failures lock the account (django-axes).
            extra_context={"failure_limit": settings.AXES_FAILURE_LIMIT},
        ),
        name="login",
    ),
    # Django 5 logs out on POST only: the top bar has a small form for it.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
