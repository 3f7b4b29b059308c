from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.webhooks import api

router = SimpleRouter()
router.register("bot/chains", api.BotChainViewSet, basename="bot-chain")
router.register(
    r"bot/chains/(?P<chain_pk>[0-9]+)/entries", api.BotChainEntryViewSet, basename="bot-entry"
)
router.register("bot/orders", api.BotOrderViewSet, basename="bot-order")
router.register("bot/announcements", api.BotAnnouncementViewSet, basename="bot-announcement")

urlpatterns = [
    path("bot/community/", api.BotCommunityView.as_view(), name="bot-community"),
    *router.urls,
]
