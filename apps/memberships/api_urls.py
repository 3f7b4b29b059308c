from rest_framework.routers import SimpleRouter

from apps.memberships import api

router = SimpleRouter()
router.register("membership-plans", api.MembershipPlanViewSet, basename="membership-plan")
router.register("subscriptions", api.SubscriptionViewSet, basename="subscription")
router.register(
    "leader/membership-plans", api.ManagedPlanViewSet, basename="managed-membership-plan"
)

urlpatterns = router.urls
