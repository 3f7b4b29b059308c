from rest_framework.routers import DefaultRouter

from apps.distribution import api

router = DefaultRouter()
router.register("distribution/entries", api.CommissionEntryViewSet, basename="commission-entry")

urlpatterns = router.urls
