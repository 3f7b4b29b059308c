from rest_framework.routers import DefaultRouter

from apps.ads import api

router = DefaultRouter()
router.register("ads/campaigns", api.CampaignViewSet, basename="ad-campaign")

urlpatterns = router.urls
