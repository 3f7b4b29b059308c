"""Admin permissions of the staff roles, granted after migrate like apps.catalog's."""

from typing import Any

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "merchant_staff": [
        "courses.view_course",
        "courses.change_course",
        "courses.view_lesson",
        "courses.add_lesson",
        "courses.change_lesson",
        "courses.delete_lesson",
        "courses.view_cohort",
        "courses.add_cohort",
        "courses.change_cohort",
        "courses.view_enrollment",
        "courses.view_booking",
    ],
    "operations": [
        "courses.view_course",
        "courses.change_course",
        "courses.view_lesson",
        "courses.change_lesson",
        "courses.view_cohort",
        "courses.view_enrollment",
        "courses.view_booking",
    ],
}


def grant_role_permissions(**kwargs: Any) -> None:
    from apps.accounts.roles import Role, grant_permissions

    for role, codes in ROLE_PERMISSIONS.items():
        grant_permissions(Role(role), codes)
