"""Who may do what in a community: a person's active membership and its role."""

from collections.abc import Callable, Collection
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.communities.models import Community, Membership
from apps.communities.selectors import MANAGING_ROLES
from apps.core.errors import NotFound, PermissionDenied

Role = Membership.Role
ANY_ROLE = (Role.OWNER, Role.ADMIN, Role.MEMBER)
View = Callable[..., HttpResponse]


def membership_require(
    *, community: Community, user: User, roles: Collection[str] = ANY_ROLE
) -> Membership:
    """The user's active membership with one of `roles`.

    Someone outside the group gets NotFound (the group's existence is not theirs to learn);
    a member without the role gets PermissionDenied.
    """
    membership = Membership.objects.filter(
        community=community, user_id=user.pk, left_at__isnull=True
    ).first()
    if membership is None:
        raise NotFound(_("群不存在或你已不在群中"))
    if membership.role not in roles:
        if tuple(roles) == (Role.OWNER,):
            raise PermissionDenied(_("只有群主可以这样做"))
        raise PermissionDenied(_("只有群主或管理员可以这样做"))
    return membership


def community_page(roles: Collection[str] = MANAGING_ROLES) -> Callable[[View], View]:
    """A page of one community, loaded through the visitor's membership: someone outside the
    group gets a 404, a member without one of `roles` a 403. The view is called with the
    community and the membership after the request."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(
            request: HttpRequest, community_id: int, *args: Any, **kwargs: Any
        ) -> HttpResponse:
            community = Community.objects.filter(pk=community_id).first()
            if community is None:
                raise Http404(_("群不存在"))
            try:
                membership = membership_require(
                    community=community,
                    user=request.user,  # type: ignore[arg-type]
                    roles=roles,
                )
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except PermissionDenied as exc:
                raise HttpForbidden(exc.message) from exc
            return view(request, community, membership, *args, **kwargs)

        return wrapper

    return decorate
