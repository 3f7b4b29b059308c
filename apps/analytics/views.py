"""The chain page's beacon: an event the order form records when a member starts typing."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from apps.analytics.services import chain_form_started_record
from apps.analytics.visitors import remember_visitor, visitor_id
from apps.chains import selectors as chain_selectors
from apps.core.errors import DomainError
from apps.core.ratelimit import client_ip, rate_limit_allow


@require_POST
def form_started(request: HttpRequest, slug: str) -> HttpResponse:
    """The chain page's beacon: the member typed into the order form. CSRF-checked (the page's
    token travels in the beacon), rate-limited per address, and it answers 204 either way so a
    script learns nothing; one event per call, the page sends one per view."""
    try:
        chain = chain_selectors.chain_by_slug(slug)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    if rate_limit_allow(
        scope="analytics-form-started", key=client_ip(request), limit=30, window=60
    ):
        chain_form_started_record(chain=chain, actor=request.user, distinct_id=visitor_id(request))
    return remember_visitor(request, HttpResponse(status=204))
