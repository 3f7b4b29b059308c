from rest_framework.routers import DefaultRouter

from apps.distribution import api

router = DefaultRouter()
router.register("distribution/entries", api.CommissionEntryViewSet, basename="commission-entry")
router.register("distribution/payouts", api.PayoutBatchViewSet, basename="payout-batch")

urlpatterns = router.urls
