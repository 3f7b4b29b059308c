from django.urls import path

from apps.webhooks import views

app_name = "webhooks"

HOOKS = "leader/communities/<int:community_id>/webhooks/"
TOKENS = "leader/communities/<int:community_id>/bot-tokens/"

urlpatterns = [
    path("leader/webhooks/", views.index, name="index"),
    path(HOOKS, views.subscription_list, name="list"),
    path(f"{HOOKS}new/", views.subscription_create, name="create"),
    path(f"{HOOKS}<int:pk>/", views.subscription_edit, name="edit"),
    path(f"{HOOKS}<int:pk>/deliveries/", views.delivery_log, name="deliveries"),
    path(
        f"{HOOKS}<int:pk>/<str:action>/",
        views.subscription_action,
        name="action",
    ),
    path(TOKENS, views.bot_tokens, name="tokens"),
    path(f"{TOKENS}<int:pk>/revoke/", views.bot_token_revoke, name="token_revoke"),
]
