from django.contrib.auth import views as auth_views
from django.urls import path

from apps.accounts import views
from apps.accounts.wechat import wechat_enabled

app_name = "accounts"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        return {**super().get_context_data(**kwargs), "wechat_enabled": wechat_enabled()}


urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("phone/", views.phone_sign_in, name="phone"),
    path("wechat/", views.wechat_start, name="wechat"),
    path("wechat/callback/", views.wechat_callback, name="wechat_callback"),
]
