from rest_framework.routers import DefaultRouter

from apps.communities import api

NESTED = r"communities/(?P<community_pk>[0-9]+)"

router = DefaultRouter()
router.register("communities", api.CommunityViewSet, basename="community")
router.register(f"{NESTED}/members", api.MemberViewSet, basename="community-member")
router.register(f"{NESTED}/invites", api.InviteViewSet, basename="community-invite")
router.register(
    f"{NESTED}/join-requests", api.JoinRequestViewSet, basename="community-join-request"
)
router.register(
    f"{NESTED}/announcements", api.AnnouncementViewSet, basename="community-announcement"
)
router.register(f"{NESTED}/todos", api.TodoViewSet, basename="community-todo")
router.register(
    f"{NESTED}/moderation-words", api.ModerationWordViewSet, basename="community-moderation-word"
)

urlpatterns = router.urls
