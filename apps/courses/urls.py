from django.urls import path

from apps.courses import leader, views

app_name = "courses"

urlpatterns = [
    path("courses/<int:course_id>/", views.course_page, name="course"),
    path("courses/<int:course_id>/buy/", views.course_buy, name="buy"),
    path("courses/orders/<int:order_id>/", views.order_page, name="order"),
    path("courses/lessons/<int:lesson_id>/", views.lesson_page, name="lesson"),
    path("courses/lessons/<int:lesson_id>/progress/", views.lesson_progress, name="progress"),
    path("courses/sessions/", views.sessions_page, name="sessions"),
    path("courses/sessions/<int:session_id>/book/", views.session_book, name="book"),
    path("courses/bookings/<int:booking_id>/cancel/", views.booking_cancel, name="cancel"),
    path("leader/courses/", leader.course_list, name="leader_courses"),
    path("leader/courses/<int:course_id>/", leader.course_manage, name="leader_course"),
    path(
        "leader/courses/<int:course_id>/lessons/<int:lesson_id>/",
        leader.lesson_edit,
        name="leader_lesson",
    ),
    path(
        "leader/courses/<int:course_id>/orders/<int:order_id>/paid/",
        leader.order_mark_paid,
        name="leader_order_paid",
    ),
    path(
        "leader/courses/<int:course_id>/orders/<int:order_id>/refund/",
        leader.order_refund,
        name="leader_order_refund",
    ),
    path("leader/sessions/", leader.session_list, name="leader_sessions"),
    path("leader/sessions/<int:session_id>/", leader.session_manage, name="leader_session"),
]
