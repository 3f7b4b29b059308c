from django.urls import path

from apps.communities import views

app_name = "communities"

urlpatterns = [
    path("leader/apply/", views.leader_apply, name="leader_apply"),
    path("leader/communities/", views.community_list, name="leader_communities"),
]
