from django.urls import path

from apps.memberships import views

app_name = "memberships"

urlpatterns = [
    path("communities/<int:community_id>/membership/", views.plans_page, name="plans"),
    path("my/membership/", views.my_membership, name="mine"),
    path(
        "leader/communities/<int:community_id>/memberships/",
        views.leader_memberships,
        name="leader",
    ),
    path(
        "leader/communities/<int:community_id>/memberships/plans/<int:plan_id>/",
        views.leader_plan_edit,
        name="leader_plan",
    ),
]
