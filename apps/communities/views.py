"""Leader onboarding pages: apply to become a leader; an approved leader opens communities."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.communities import leaders, services
from apps.communities.forms import CommunityForm, LeaderApplicationForm
from apps.communities.models import LeaderApplication
from apps.communities.selectors import communities_managed_by
from apps.core.errors import DomainError
from apps.core.forms import add_domain_error


@login_required
def leader_apply(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    latest = LeaderApplication.objects.filter(applicant=user).order_by("-created_at").first()
    initial = {"name": user.shown_name, "phone": user.phone or ""}
    form = LeaderApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            leaders.leader_application_submit(applicant=user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("申请已提交，运营审核后会通知你"))
            return redirect("communities:leader_apply")
    return render(
        request,
        "communities/leader_apply.html",
        {"form": form, "latest": latest, "is_leader": leaders.is_leader(user)},
    )


@login_required
def community_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = CommunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_create(owner=user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("“%(name)s”已创建，接下来添加自提点") % {"name": community.name}
            )
            return redirect("chains:leader_pickup_points", community_id=community.pk)
    return render(
        request,
        "communities/community_list.html",
        {
            "form": form,
            "communities": communities_managed_by(user).order_by("-created_at"),
            "is_leader": leaders.is_leader(user),
        },
    )
