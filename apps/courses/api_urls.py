from rest_framework.routers import DefaultRouter

from apps.courses import api

router = DefaultRouter()
router.register("courses/sessions", api.SessionViewSet, basename="course-session")
router.register("courses/bookings", api.BookingViewSet, basename="course-booking")
router.register("courses", api.CourseViewSet, basename="course")

urlpatterns = router.urls
