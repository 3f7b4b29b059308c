from rest_framework.routers import SimpleRouter

from apps.rewards import api

router = SimpleRouter()
router.register(
    r"communities/(?P<community_pk>[0-9]+)/rewards",
    api.CommunityRewardsViewSet,
    basename="community-rewards",
)
router.register("coupons", api.CouponViewSet, basename="coupon")
router.register("coupon-templates", api.CouponTemplateViewSet, basename="coupon-template")

urlpatterns = router.urls
