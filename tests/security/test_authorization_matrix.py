"""The authorization matrix: every URL of the project, requested by a user of another tenant.

`ROUTES` lists every named URL pattern (the resolver is walked, and a test fails when a pattern
has no entry, so a new page or endpoint cannot ship unchecked) with how to point it at tenant A's
objects and what the outsider (who holds every role, but in tenant B) may get:

- OWNED: the URL names one of A's objects: never a 2xx, for GET and POST alike (a 404, 403,
  400 or a redirect to sign-in / elsewhere), and no A data in the body;
- SCOPED: the outsider's own list, form or report: any non-5xx answer, none of A's rows in it
  (lists, exports and reports included), and a POST changes nothing of A;
- CATALOGUE: what A sells in public (course and plan pages, a locked lesson's title) or the
  outsider's own purchases of it: A's product titles may show, A's people (PRIVATE) never.

`PUBLIC` is the short documented allowlist of pages anyone may open (sign-in, health, the public
chain page, capability links that carry a signed token). The admin is checked separately: the
changelist of every registered model shows the outsider (merchant B's staff) none of A's rows,
and the change page of each of A's rows is refused. Every request is also followed by a check
that tenant A's rows are unchanged (`World.fingerprint`).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib import admin
from django.db.models import Model
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from tests.security.authz_world import MARKER, MISSING, PRIVATE, World, build_world

OWNED = "owned"
SCOPED = "scoped"
CATALOGUE = "catalogue"

Param = Callable[[World], Any]


@dataclass(frozen=True)
class Route:
    kind: str
    params: dict[str, Param] = field(default_factory=dict)
    methods: tuple[str, ...] = ("GET", "POST")


# URL keyword → tenant A's object it names, unless a route says otherwise.
DEFAULT_PARAMS: dict[str, Param] = {
    "chain_id": lambda w: w.chain.chain.pk,
    "chain_pk": lambda w: w.chain.chain.pk,
    "community_id": lambda w: w.chain.community.pk,
    "community_pk": lambda w: w.chain.community.pk,
    "course_id": lambda w: w.course.pk,
    "lesson_id": lambda w: w.lesson.pk,
    "session_id": lambda w: w.session.pk,
    "booking_id": lambda w: w.booking.pk,
    "batch_id": lambda w: w.batch.pk,
    "order_id": lambda w: w.course_order.pk,
    "plan_id": lambda w: w.plan.pk,
    "distributor_id": lambda w: w.distributor.pk,
    "invite_id": lambda w: w.invite.pk,
    "request_id": lambda w: w.join_request.pk,
    "todo_id": lambda w: w.todo.pk,
    "entry_id": lambda w: w.order.chain_entry.pk,
}


def pk(get: Param) -> dict[str, Param]:
    return {"pk": get}


def _missing(w: World) -> int:
    return MISSING


ROUTES: dict[str, Route] = {
    # --- API: chains, entries, orders (leader) ---
    "api-root": Route(SCOPED, methods=("GET",)),
    "chain-list": Route(SCOPED),
    "chain-detail": Route(OWNED, pk(lambda w: w.chain.chain.pk), methods=("GET",)),
    "chain-open": Route(OWNED, pk(lambda w: w.chain.chain.pk)),
    "chain-close": Route(OWNED, pk(lambda w: w.chain.chain.pk)),
    "chain-cancel": Route(OWNED, pk(lambda w: w.chain.chain.pk)),
    "chain-entry-list": Route(OWNED, methods=("GET",)),
    "order-list": Route(SCOPED, methods=("GET",)),
    "order-detail": Route(OWNED, pk(lambda w: w.order.pk), methods=("GET",)),
    "order-mark-paid": Route(OWNED, pk(lambda w: w.order.pk)),
    "order-mark-ready": Route(OWNED, pk(lambda w: w.order.pk)),
    "order-complete": Route(OWNED, pk(lambda w: w.order.pk)),
    "order-cancel": Route(OWNED, pk(lambda w: w.order.pk)),
    "order-refund": Route(OWNED, pk(lambda w: w.order.pk)),
    # --- API: a member's own orders and payments ---
    "my-order-list": Route(CATALOGUE),
    "my-order-detail": Route(OWNED, pk(lambda w: w.order.pk), methods=("GET",)),
    "my-order-pay": Route(OWNED, pk(lambda w: w.course_order.pk), methods=("POST",)),
    # --- API: distribution ---
    "commission-entry-list": Route(SCOPED, methods=("GET",)),
    "commission-entry-me": Route(SCOPED, methods=("GET",)),
    "commission-entry-report": Route(SCOPED, methods=("GET",)),
    "commission-entry-detail": Route(
        OWNED, pk(lambda w: w.commission.pk if w.commission else MISSING), methods=("GET",)
    ),
    "payout-batch-list": Route(SCOPED),
    "payout-batch-detail": Route(OWNED, pk(lambda w: w.batch.pk), methods=("GET",)),
    "payout-batch-review": Route(OWNED, pk(lambda w: w.batch.pk), methods=("POST",)),
    "payout-batch-mark-paid": Route(OWNED, pk(lambda w: w.batch.pk), methods=("POST",)),
    # --- API: courses, sessions, bookings ---
    "course-list": Route(SCOPED),
    "course-detail": Route(OWNED, pk(lambda w: w.course.pk), methods=("GET",)),
    "course-lessons": Route(OWNED, pk(lambda w: w.course.pk), methods=("POST",)),
    "course-completion": Route(OWNED, pk(lambda w: w.course.pk), methods=("GET",)),
    # Buying a course or booking a session is open to anyone: it creates the buyer's own
    # order and changes nothing of A's (the fingerprint proves it).
    "course-buy": Route(SCOPED, pk(lambda w: w.course.pk), methods=("POST",)),
    "course-session-list": Route(SCOPED, methods=("GET",)),
    "course-session-book": Route(OWNED, pk(lambda w: w.session.pk), methods=("POST",)),
    "course-booking-list": Route(SCOPED, methods=("GET",)),
    "course-booking-cancel": Route(OWNED, pk(lambda w: w.booking.pk), methods=("POST",)),
    # --- API: communities ---
    "community-list": Route(SCOPED, methods=("GET",)),
    "community-join": Route(SCOPED, methods=("POST",)),
    "community-detail": Route(OWNED, pk(lambda w: w.chain.community.pk), methods=("GET",)),
    **{
        name: Route(OWNED, pk(lambda w: w.chain.community.pk), methods=(method,))
        for name, method in [
            ("community-churn", "GET"),
            ("community-playbook", "GET"),
            ("community-dissolve", "POST"),
            ("community-leave", "POST"),
            ("community-nickname", "POST"),
            ("community-rename", "POST"),
            ("community-transfer", "POST"),
            ("community-update-settings", "POST"),
        ]
    },
    "community-member-list": Route(OWNED, methods=("GET",)),
    "community-member-promote": Route(OWNED, pk(lambda w: w.owner.pk), methods=("POST",)),
    "community-member-demote": Route(OWNED, pk(lambda w: w.owner.pk), methods=("POST",)),
    "community-member-remove": Route(OWNED, pk(lambda w: w.owner.pk), methods=("POST",)),
    "community-invite-list": Route(OWNED),
    "community-invite-revoke": Route(OWNED, pk(lambda w: w.invite.pk), methods=("POST",)),
    "community-join-request-list": Route(OWNED, methods=("GET",)),
    "community-join-request-approve": Route(
        OWNED, pk(lambda w: w.join_request.pk), methods=("POST",)
    ),
    "community-join-request-reject": Route(
        OWNED, pk(lambda w: w.join_request.pk), methods=("POST",)
    ),
    "community-announcement-list": Route(OWNED),
    "community-todo-list": Route(OWNED),
    "community-todo-done": Route(OWNED, pk(lambda w: w.todo.pk), methods=("POST",)),
    "community-moderation-word-list": Route(OWNED),
    "community-moderation-word-hits": Route(OWNED, methods=("GET",)),
    "community-moderation-word-detail": Route(OWNED, pk(lambda w: w.word.pk), methods=("DELETE",)),
    "community-rewards-balance": Route(OWNED, methods=("GET",)),
    "community-rewards-check-in": Route(OWNED, methods=("POST",)),
    "community-rewards-leaderboard": Route(OWNED, methods=("GET",)),
    "community-rewards-points": Route(OWNED, methods=("GET",)),
    # --- API: coupons, memberships ---
    "coupon-list": Route(SCOPED, methods=("GET",)),
    "coupon-detail": Route(OWNED, pk(_missing), methods=("GET",)),
    "coupon-template-list": Route(SCOPED),
    "coupon-template-detail": Route(OWNED, pk(lambda w: w.coupon_template.pk)),
    "coupon-template-issue": Route(OWNED, pk(lambda w: w.coupon_template.pk), methods=("POST",)),
    # Plans on sale are a public catalogue; buying one makes the buyer's own order.
    "membership-plan-list": Route(CATALOGUE, methods=("GET",)),
    "membership-plan-detail": Route(CATALOGUE, pk(lambda w: w.plan.pk), methods=()),
    "membership-plan-purchase": Route(SCOPED, pk(lambda w: w.plan.pk), methods=("POST",)),
    "membership-plan-trial": Route(SCOPED, pk(lambda w: w.plan.pk), methods=("POST",)),
    "subscription-list": Route(SCOPED, methods=("GET",)),
    "subscription-detail": Route(
        OWNED, pk(lambda w: w.plan.subscriptions.get().pk), methods=("GET",)
    ),
    "managed-membership-plan-list": Route(SCOPED),
    "managed-membership-plan-detail": Route(OWNED, pk(lambda w: w.plan.pk), methods=("GET",)),
    "managed-membership-plan-members": Route(OWNED, pk(lambda w: w.plan.pk), methods=("GET",)),
    # --- Leader pages: chains ---
    "chains:leader_chains": Route(SCOPED, methods=("GET",)),
    "chains:leader_chain_create": Route(SCOPED),
    "chains:leader_chain": Route(OWNED),
    "chains:leader_chain_edit": Route(OWNED),
    "chains:leader_chain_action": Route(OWNED, {"action": lambda w: "close"}),
    "chains:leader_entries_action": Route(OWNED),
    "chains:leader_pickup": Route(OWNED),
    "chains:leader_refund": Route(OWNED),
    "chains:leader_chain_text": Route(OWNED, methods=("GET",)),
    "chains:leader_pick_sheet": Route(OWNED, methods=("GET",)),
    "chains:leader_pickup_points": Route(OWNED),
    # --- Courses ---
    # A course's sales page is public (trial lessons, price); its paid lessons are not.
    "courses:course": Route(CATALOGUE, methods=()),
    "courses:buy": Route(SCOPED, methods=("POST",)),
    "courses:order": Route(OWNED, methods=("GET",)),
    "courses:lesson": Route(CATALOGUE, methods=("GET",)),
    "courses:progress": Route(OWNED, methods=("POST",)),
    "courses:sessions": Route(SCOPED, methods=("GET",)),
    "courses:book": Route(OWNED, methods=("POST",)),
    "courses:cancel": Route(OWNED, methods=("POST",)),
    "courses:leader_courses": Route(SCOPED),
    "courses:leader_course": Route(OWNED),
    "courses:leader_lesson": Route(OWNED),
    "courses:leader_order_paid": Route(OWNED, methods=("POST",)),
    "courses:leader_order_refund": Route(OWNED, methods=("POST",)),
    "courses:leader_sessions": Route(SCOPED),
    "courses:leader_session": Route(OWNED),
    # --- Communities ---
    "communities:leader_apply": Route(SCOPED, methods=("GET",)),
    "communities:leader_communities": Route(SCOPED, methods=("GET",)),
    "communities:leader_community": Route(OWNED),
    "communities:leader_members": Route(OWNED),
    "communities:leader_settings": Route(OWNED),
    "communities:leader_invites": Route(OWNED),
    "communities:leader_invite_revoke": Route(OWNED, methods=("POST",)),
    "communities:leader_join_request": Route(OWNED, methods=("POST",)),
    "communities:leader_announcements": Route(OWNED),
    "communities:leader_todos": Route(OWNED),
    "communities:leader_moderation": Route(OWNED),
    "communities:community": Route(OWNED, methods=("GET",)),
    "communities:todo_done": Route(OWNED, methods=("POST",)),
    "communities:leave": Route(OWNED, methods=("POST",)),
    # --- Rewards, memberships, catalog, distribution ---
    "rewards:check_in": Route(OWNED),
    "rewards:my_coupons": Route(SCOPED, methods=("GET",)),
    "rewards:leader_rewards": Route(OWNED),
    "memberships:plans": Route(CATALOGUE, methods=()),
    "memberships:mine": Route(CATALOGUE, methods=("GET",)),
    "memberships:leader": Route(OWNED),
    "memberships:leader_plan": Route(OWNED),
    "catalog:leader_merchants": Route(SCOPED),
    "distribution:mine": Route(SCOPED),
    "distribution:applications": Route(SCOPED, methods=("GET",)),
    "distribution:application_decide": Route(OWNED, methods=("POST",)),
    "distribution:report": Route(SCOPED, methods=("GET",)),
    "distribution:batch_create": Route(SCOPED),
    "distribution:batch": Route(OWNED),
    # --- Webhooks and bot API (no rows of theirs built here) ---
    "webhooks:index": Route(SCOPED, methods=("GET",)),
    "webhooks:list": Route(OWNED, methods=("GET",)),
    "webhooks:create": Route(OWNED),
    "webhooks:edit": Route(OWNED, pk(_missing)),
    "webhooks:deliveries": Route(OWNED, pk(_missing), methods=("GET",)),
    "webhooks:action": Route(OWNED, {"pk": _missing, "action": lambda w: "test"}),
    "webhooks:tokens": Route(OWNED),
    "webhooks:token_revoke": Route(OWNED, pk(_missing), methods=("POST",)),
    "bot-community": Route(SCOPED, methods=("GET",)),
    "bot-chain-list": Route(SCOPED, methods=("GET",)),
    "bot-chain-detail": Route(OWNED, pk(lambda w: w.chain.chain.pk), methods=("GET",)),
    "bot-entry-list": Route(OWNED, methods=("GET",)),
    "bot-order-list": Route(SCOPED, methods=("GET",)),
    "bot-order-detail": Route(OWNED, pk(lambda w: w.order.pk), methods=("GET",)),
    "bot-announcement-list": Route(SCOPED, methods=("GET",)),
    # --- Notifications, privacy ---
    "notifications:preferences": Route(SCOPED),
    "privacy:mine": Route(SCOPED),
    "privacy:export": Route(CATALOGUE, {"fmt": lambda w: "json"}, methods=("GET",)),
    # --- Ads (no campaign rows built here, so ids are missing ones) ---
    "ad-campaign-list": Route(SCOPED, methods=("GET",)),
    "ad-campaign-detail": Route(OWNED, pk(_missing), methods=("GET",)),
    "ad-campaign-report": Route(OWNED, pk(_missing), methods=("GET",)),
    "ads:campaigns": Route(SCOPED, methods=("GET",)),
    "ads:report": Route(OWNED, {"campaign_id": _missing}, methods=("GET",)),
    "ads:report_csv": Route(OWNED, {"campaign_id": _missing}, methods=("GET",)),
    "ads:leader_placements": Route(SCOPED),
    "ads:leader_decide": Route(OWNED, {"placement_id": _missing}, methods=("POST",)),
    # --- Analytics dashboards: the outsider's own scope, A's funnels never in it ---
    "analytics-funnel": Route(SCOPED, methods=("GET",)),
    "analytics-leader-dashboard": Route(SCOPED, methods=("GET",)),
    "analytics-merchant-dashboard": Route(SCOPED, methods=("GET",)),
    "analytics-campaign-dashboard": Route(SCOPED, methods=("GET",)),
    "reports:leader_dashboard": Route(SCOPED, methods=("GET",)),
    "reports:merchant_dashboard": Route(SCOPED, methods=("GET",)),
    "reports:campaign_dashboard": Route(SCOPED, methods=("GET",)),
}

# Anyone may open these; each says why it is not scoped to an owner.
PUBLIC: dict[str, str] = {
    "home": "landing page",
    "healthz": "load balancer health check",
    "set_language": "Django's language switch",
    "accounts:login": "sign-in",
    "accounts:logout": "sign-out",
    "accounts:phone": "sign-in by SMS code",
    "accounts:wechat": "sign-in with WeChat",
    "accounts:wechat_callback": "sign-in with WeChat (OAuth callback)",
    "api-schema": "the OpenAPI schema",
    "api-docs": "the API documentation",
    "chains:chain": "the public chain page posted in the group (names masked)",
    "chains:receipt": "capability link: the order reference is signed",
    "communities:join_by_code": "join form: the invite code is the capability",
    "communities:join": "invite link: the code is the capability",
    "communities:invite_qr": "invite QR code: the code is the capability",
    "payments:pay": "capability link: the order reference is signed",
    "payments:wechat_notify": "WeChat Pay's signed server notification",
    "payments:wechat_refund_notify": "WeChat Pay's signed server notification",
    "payments:sandbox": "demo-only fake payment provider, off outside localhost",
    "distribution:qr": "a distributor's public referral QR code",
    "notifications:unsubscribe": "capability link: the token is signed",
    "ads:click": "ad click redirect: the placement link is signed",
    "ads:pixel": "ad impression pixel: the placement link is signed",
    "analytics:form_started": "anonymous funnel beacon for a public chain page",
}

# Admin URLs that are not per-model pages.
ADMIN_SITE_NAMES = {
    "admin:index",
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
    "admin:view_on_site",
    "admin:app_list",
}
ADMIN_MODEL_PAGES = ("changelist", "add", "history", "delete", "change")
# Extra per-model admin views (django-import-export and the project's own admin actions).
ADMIN_EXTRA_SUFFIXES = ("import", "process_import", "export")
# Per-object admin views besides the change page; each is checked on tenant A's row.
ADMIN_OBJECT_VIEWS = {
    "admin:auth_user_password_change": lambda w: w.owner.pk,
    "admin:catalog_merchant_staff": lambda w: w.chain.skus[0].product.merchant_id,
}


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def url_names() -> set[str]:
    return set(_walk(get_resolver().url_patterns))


def admin_model_names() -> set[str]:
    names = set()
    for model in admin.site._registry:
        opts = model._meta
        for page in ADMIN_MODEL_PAGES:
            names.add(f"admin:{opts.app_label}_{opts.model_name}_{page}")
    return names


def test_every_url_pattern_has_an_entry_in_the_matrix() -> None:
    names = url_names()
    site = {name for name in names if name.startswith("admin:")}
    unknown_admin = {
        name
        for name in site - admin_model_names() - ADMIN_SITE_NAMES - set(ADMIN_OBJECT_VIEWS)
        if not name.endswith(tuple(f"_{suffix}" for suffix in ADMIN_EXTRA_SUFFIXES))
        and not name.startswith("admin:app_list")
    }
    assert unknown_admin == set(), "admin URLs with no check: add them to the matrix"
    missing = names - site - set(ROUTES) - set(PUBLIC)
    assert missing == set(), "URL patterns with no authorization entry: add them to ROUTES"
    stale = (set(ROUTES) | set(PUBLIC)) - names
    assert stale == set(), "matrix entries for URLs that no longer exist"
    assert not set(ROUTES) & set(PUBLIC)


# --- Requests --------------------------------------------------------------------------------


def _body(response: HttpResponse | StreamingHttpResponse) -> str:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content).decode("utf-8", "replace")  # type: ignore[arg-type]
    return response.content.decode("utf-8", "replace")


def _url(name: str, route: Route, world: World) -> str:
    pattern_kwargs = _pattern_kwargs(name)
    getters = {**{k: v for k, v in DEFAULT_PARAMS.items() if k in pattern_kwargs}, **route.params}
    kwargs = {key: getter(world) for key, getter in getters.items() if key in pattern_kwargs}
    return reverse(name, kwargs=kwargs)


def _pattern_kwargs(name: str) -> set[str]:
    resolver = get_resolver()
    found: set[str] = set()
    for possibility, _pattern, _defaults, _converters in resolver.reverse_dict.getlist(
        name.split(":")[-1]
    ):
        for _result, params in possibility:
            found |= set(params)
    if ":" in name:
        namespace = name.split(":")[0]
        sub = resolver.namespace_dict[namespace][1]
        for possibility, _p, _d, _c in sub.reverse_dict.getlist(name.split(":")[1]):
            for _result, params in possibility:
                found |= set(params)
    return found - {"format"}


def _request(client: APIClient, method: str, url: str) -> HttpResponse:
    if url.startswith("/api/"):
        return client.generic(method, url, data="{}", content_type="application/json")
    if method == "POST":
        return client.post(url, {})
    return client.generic(method, url)


@pytest.mark.django_db
def test_an_outsider_gets_nothing_of_another_tenant_from_any_url() -> None:
    world = build_world()
    client = APIClient()
    client.force_login(world.outsider)
    before = world.fingerprint()
    failures: list[str] = []
    present = url_names()  # a stale entry fails the completeness test, not this one
    for name, route in sorted(ROUTES.items()):
        if name not in present:
            continue
        url = _url(name, route, world)
        for method in ("GET", *route.methods) if route.methods == () else route.methods:
            response = _request(client, method, url)
            code = response.status_code
            if code >= 500:
                failures.append(f"{method} {url} ({name}): {code}")
            elif route.kind == OWNED and 200 <= code < 300:
                failures.append(f"{method} {url} ({name}): {code} on another tenant's object")
            elif (secret := PRIVATE if route.kind == CATALOGUE else MARKER) in (
                body := _body(response)
            ):
                at = body.index(secret)
                failures.append(
                    f"{method} {url} ({name}): shows tenant A's data: {body[at - 80 : at + 40]!r}"
                )
            after = world.fingerprint()
            if after != before:
                failures.append(f"{method} {url} ({name}): changed tenant A's rows")
                before = after
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_the_owner_does_see_the_markers_so_the_matrix_can_fail() -> None:
    world = build_world()
    client = APIClient()
    client.force_login(world.owner)
    for name in [
        "chains:leader_chain",
        "chain-detail",
        "order-detail",
        "communities:leader_community",
    ]:
        response = _request(client, "GET", _url(name, ROUTES[name], world))
        assert response.status_code == 200, name
        assert MARKER in _body(response), name


# --- Admin -----------------------------------------------------------------------------------


def _tenant_a_rows(model: type[Model], world: World) -> list[Model]:
    """Rows of `model` that belong to tenant A: everything not created for the outsider's
    tenant B (whose rows are all linked to its community or merchant, or are the outsider)."""
    outsider_pks = _outsider_rows(world)
    rows = list(model._default_manager.order_by("pk")[:50])
    return [row for row in rows if (model, row.pk) not in outsider_pks]


def _outsider_rows(world: World) -> set[tuple[type[Model], Any]]:
    from apps.catalog.models import SKU, Merchant, Product, SupplyAgreement
    from apps.chains.models import Chain, ChainEntry, ChainItem, PickupPoint
    from apps.communities.models import Community, Membership
    from apps.distribution.models import Distributor
    from apps.orders.models import Order, OrderLine

    user = world.outsider
    communities = Community.objects.filter(owner=user)
    merchants = Merchant.objects.filter(staff=user)
    rows: set[tuple[type[Model], Any]] = {(type(user), user.pk)}
    for model, queryset in [
        (Community, communities),
        (Membership, Membership.objects.filter(community__in=communities)),
        (Merchant, merchants),
        (Product, Product.objects.filter(merchant__in=merchants)),
        (SKU, SKU.objects.filter(product__merchant__in=merchants)),
        (Chain, Chain.objects.filter(community__in=communities)),
        (ChainItem, ChainItem.objects.filter(chain__community__in=communities)),
        (PickupPoint, PickupPoint.objects.filter(community__in=communities)),
        (ChainEntry, ChainEntry.objects.filter(chain__community__in=communities)),
        (Order, Order.objects.filter(community__in=communities)),
        (OrderLine, OrderLine.objects.filter(order__community__in=communities)),
        (Distributor, Distributor.objects.filter(user=user)),
        (SupplyAgreement, SupplyAgreement.objects.filter(merchant__in=merchants)),
    ]:
        rows |= {(model, pk) for pk in queryset.values_list("pk", flat=True)}
    return rows


@pytest.mark.django_db
def test_merchant_staff_of_another_merchant_see_no_rows_of_a_in_the_admin() -> None:
    world = build_world()
    client = APIClient()
    client.force_login(world.outsider)
    failures: list[str] = []
    for model in admin.site._registry:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = client.get(changelist)
        if response.status_code >= 500:
            failures.append(f"{changelist}: {response.status_code}")
        elif response.status_code == 200 and MARKER in _body(response):
            failures.append(f"{changelist}: lists tenant A's rows")
        for row in _tenant_a_rows(model, world)[:5]:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
            response = client.get(change)
            if response.status_code not in (302, 403, 404):
                failures.append(f"{change}: {response.status_code} on tenant A's row")
    for name, object_id in ADMIN_OBJECT_VIEWS.items():
        url = reverse(name, args=[object_id(world)])
        for method in ("GET", "POST"):
            response = client.generic(method, url)
            if response.status_code not in (302, 403, 404):
                failures.append(f"{method} {url}: {response.status_code} on tenant A's row")
    assert not failures, "\n".join(failures)
