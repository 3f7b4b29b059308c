from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.accounts.models import User
from apps.communities.models import Membership
from apps.notifications import links, services
from apps.notifications.forms import PreferencesForm
from apps.notifications.models import CommunityMute, NotificationPreference


# The signed token is the authority here, so a mail client's RFC 8058 one-click POST (which
# carries no CSRF token and no session) works; nothing but this member's consent changes.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user_id = links.unsubscribe_user_id(token=token)
    if user_id is None or not User.objects.filter(pk=user_id).exists():
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        services.marketing_opt_out(user_id=user_id)
        return render(request, "notifications/unsubscribed.html")
    opted_out = NotificationPreference.objects.filter(
        user_id=user_id, marketing_opted_out_at__isnull=False
    ).exists()
    if opted_out:
        return render(request, "notifications/unsubscribed.html")
    return render(request, "notifications/unsubscribe.html", {"token": token})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    communities = [
        (membership.community_id, membership.community.name)
        for membership in Membership.objects.filter(user=user, left_at=None)
        .select_related("community")
        .order_by("community__name", "community_id")
    ]
    if request.method == "POST":
        form = PreferencesForm(request.POST, communities=communities)
        if form.is_valid():
            data = form.cleaned_data
            services.notification_preference_update(
                user=user,
                email=data["email"],
                sms=data["sms"],
                wechat=data["wechat"],
                marketing=data["marketing"],
            )
            services.community_mutes_set(
                user=user, community_ids=data["muted"], allowed=[pk for pk, _ in communities]
            )
            messages.success(request, gettext("通知设置已保存"))
            return redirect("notifications:preferences")
        status = 400
    else:
        preference = NotificationPreference.objects.filter(user=user).first()
        form = PreferencesForm(
            communities=communities,
            initial={
                "email": preference.email_enabled if preference else True,
                "sms": preference.sms_enabled if preference else True,
                "wechat": preference.wechat_enabled if preference else True,
                "marketing": preference is None or preference.marketing_opted_out_at is None,
                "muted": list(
                    CommunityMute.objects.filter(user=user).values_list("community_id", flat=True)
                ),
            },
        )
        status = 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)
