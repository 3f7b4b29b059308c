from django.urls import path

from apps.rewards import views

app_name = "rewards"

urlpatterns = [
    path("communities/<int:community_id>/check-in/", views.check_in_page, name="check_in"),
    path("my/coupons/", views.my_coupons, name="my_coupons"),
    path(
        "leader/communities/<int:community_id>/rewards/",
        views.leader_rewards,
        name="leader_rewards",
    ),
]
