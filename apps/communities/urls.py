from django.urls import path

from apps.communities import leader_pages, member_pages, views

app_name = "communities"

LEADER = "leader/communities/<int:community_id>/"

urlpatterns = [
    path("leader/apply/", views.leader_apply, name="leader_apply"),
    path("leader/communities/", views.community_list, name="leader_communities"),
    path(LEADER, leader_pages.overview, name="leader_community"),
    path(f"{LEADER}members/", leader_pages.members, name="leader_members"),
    path(f"{LEADER}settings/", leader_pages.settings_page, name="leader_settings"),
    path(f"{LEADER}invites/", leader_pages.invites_page, name="leader_invites"),
    path(
        f"{LEADER}invites/<int:invite_id>/revoke/",
        leader_pages.invite_revoke,
        name="leader_invite_revoke",
    ),
    path(
        f"{LEADER}requests/<int:request_id>/",
        leader_pages.join_request_decide,
        name="leader_join_request",
    ),
    path(f"{LEADER}announcements/", leader_pages.announcements, name="leader_announcements"),
    path(f"{LEADER}todos/", leader_pages.todos, name="leader_todos"),
    path(f"{LEADER}moderation/", leader_pages.moderation_page, name="leader_moderation"),
    path("join/", member_pages.join_by_code, name="join_by_code"),
    path("join/<str:code>/", member_pages.join, name="join"),
    path("join/<str:code>/qr.svg", member_pages.invite_qr, name="invite_qr"),
    path("communities/<int:community_id>/", member_pages.community, name="community"),
    path(
        "communities/<int:community_id>/todos/<int:todo_id>/done/",
        member_pages.todo_done,
        name="todo_done",
    ),
    path("communities/<int:community_id>/leave/", member_pages.leave, name="leave"),
]
