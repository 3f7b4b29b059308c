from rest_framework.routers import DefaultRouter

from apps.chains import api

router = DefaultRouter()
router.register("chains", api.ChainViewSet, basename="chain")
router.register(
    r"chains/(?P<chain_pk>[0-9]+)/entries", api.ChainEntryViewSet, basename="chain-entry"
)
router.register("orders", api.OrderViewSet, basename="order")
router.register("my/orders", api.MyOrderViewSet, basename="my-order")

urlpatterns = router.urls
