"""The leader's pages for one community: overview (stage, playbook, churn), members, settings,
invites and the approval queue, announcements, to-dos and blocked words.

Each page loads the community through the visitor's membership: someone outside the group gets
a 404, a member without the role a 403, and a POST changes nothing unless the service agrees.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.communities import content, invites, moderation, selectors, services
from apps.communities.access import community_page
from apps.communities.filters import MemberFilter, members_with_activity
from apps.communities.forms import (
    AnnouncementForm,
    CommunitySettingsForm,
    EndsAtForm,
    InviteForm,
    ModerationWordForm,
    RenameForm,
    TodoForm,
    TransferForm,
)
from apps.communities.lifecycle import community_lifecycle
from apps.communities.models import (
    Community,
    GroupTodo,
    Invite,
    JoinRequest,
    Membership,
    ModerationHit,
    ModerationWord,
)
from apps.core.errors import DomainError
from apps.core.forms import add_domain_error

Role = Membership.Role


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _done(request: HttpRequest, message: str, to: str, community: Community) -> HttpResponse:
    messages.success(request, message)
    return redirect(to, community_id=community.pk)


@community_page()
def overview(request: HttpRequest, community: Community, me: Membership) -> HttpResponse:
    churn = selectors.community_churn_by_month(community)
    return render(
        request,
        "communities/leader/overview.html",
        {
            "community": community,
            "me": me,
            "lifecycle": community_lifecycle(community),
            "churn": churn,
            "churn_warning": selectors.CHURN_WARNING_PERCENT,
            "member_count": community.memberships.filter(left_at__isnull=True).count(),
            "pending_count": selectors.join_requests_pending(community).count(),
            "hit_count": ModerationHit.objects.filter(community=community).count(),
            "announcement": content.announcement_current(community),
        },
    )


MEMBER_ACTIONS: dict[str, tuple[Callable[..., Membership], str]] = {
    "promote": (services.membership_promote, gettext_noop("已设为管理员")),
    "demote": (services.membership_demote, gettext_noop("已取消管理员")),
    "remove": (services.membership_remove, gettext_noop("已移出群聊")),
}


@community_page()
def members(request: HttpRequest, community: Community, me: Membership) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action", "")
        target = Membership.objects.filter(
            community=community, pk=request.POST.get("membership") or 0
        ).first()
        if action not in MEMBER_ACTIONS or target is None:
            raise Http404(_("未知操作"))
        service, done = MEMBER_ACTIONS[action]
        try:
            service(community=community, actor=_user(request), user=target.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _(done))
        return redirect(request.get_full_path())
    member_filter = MemberFilter(
        request.GET or None, queryset=members_with_activity(community).order_by("-joined_at")
    )
    return render(
        request,
        "communities/leader/members.html",
        {"community": community, "me": me, "filter": member_filter, "members": member_filter.qs},
    )


@community_page()
def settings_page(request: HttpRequest, community: Community, me: Membership) -> HttpResponse:
    user = _user(request)
    action = request.POST.get("action") if request.method == "POST" else None
    forms: dict[str, Any] = {
        "settings": CommunitySettingsForm(
            request.POST if action == "settings" else None,
            initial={
                "requires_approval": community.requires_approval,
                "anti_harassment": community.anti_harassment,
            },
        ),
        "rename": RenameForm(
            request.POST if action == "rename" else None, initial={"name": community.name}
        ),
        "ends_at": EndsAtForm(
            request.POST if action == "ends_at" else None, initial={"ends_at": community.ends_at}
        ),
        "transfer": TransferForm(
            request.POST if action == "transfer" else None, community=community
        ),
    }
    if action == "dissolve":
        try:
            services.community_dissolve(community=community, actor=user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("群已解散，进行中的接龙已截单"))
        return redirect("communities:leader_community", community_id=community.pk)
    form = forms.get(action or "")
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "settings":
                services.community_settings_update(community=community, actor=user, **data)
            elif action == "rename":
                services.community_rename(community=community, actor=user, name=data["name"])
            elif action == "ends_at":
                services.community_ends_at_set(
                    community=community, actor=user, ends_at=data["ends_at"]
                )
            elif action == "transfer":
                services.community_transfer(
                    community=community,
                    actor=user,
                    new_owner=data["new_owner"].user,
                    old_owner_role=data["old_owner_role"],
                )
                return _done(request, _("已转让群主"), "communities:leader_community", community)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _done(request, _("已保存"), "communities:leader_settings", community)
    return render(
        request,
        "communities/leader/settings.html",
        {"community": community, "me": me, "forms": forms, "is_owner": me.role == Role.OWNER},
    )


@community_page()
def invites_page(request: HttpRequest, community: Community, me: Membership) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invite = invites.invite_create(
                community=community,
                actor=_user(request),
                expires_in=timedelta(days=form.cleaned_data["days"]),
                max_uses=form.cleaned_data["max_uses"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _done(
                request,
                _("邀请码 %(code)s 已生成") % {"code": invite.code},
                "communities:leader_invites",
                community,
            )
    return render(
        request,
        "communities/leader/invites.html",
        {
            "community": community,
            "me": me,
            "form": form,
            "invites": community.invites.select_related("created_by").order_by("-created_at")[:50],
            "requests": selectors.join_requests_pending(community),
        },
    )


@require_POST
@community_page()
def invite_revoke(
    request: HttpRequest, community: Community, me: Membership, invite_id: int
) -> HttpResponse:
    invite = get_object_or_404(Invite, community=community, pk=invite_id)
    invites.invite_revoke(invite=invite, actor=_user(request))
    return _done(request, _("邀请已作废"), "communities:leader_invites", community)


@require_POST
@community_page()
def join_request_decide(
    request: HttpRequest, community: Community, me: Membership, request_id: int
) -> HttpResponse:
    join_request = get_object_or_404(JoinRequest, community=community, pk=request_id)
    try:
        if request.POST.get("decision") == "approve":
            invites.join_request_approve(join_request=join_request, actor=_user(request))
            messages.success(request, _("已同意入群"))
        else:
            invites.join_request_reject(join_request=join_request, actor=_user(request))
            messages.success(request, _("已拒绝"))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("communities:leader_invites", community_id=community.pk)


@community_page()
def announcements(request: HttpRequest, community: Community, me: Membership) -> HttpResponse:
    history = community.announcements.select_related("author")[:30]
    current = history[0] if history else None
    form = AnnouncementForm(request.POST or None, initial={"body": current.body if current else ""})
    if request.method == "POST" and form.is_valid():
        try:
            content.announcement_post(
                community=community, actor=_user(request), body=form.cleaned_data["body"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _done(request, _("群公告已更新"), "communities:leader_announcements", community)
    return render(
        request,
        "communities/leader/announcements.html",
        {"community": community, "me": me, "form": form, "history": history},
    )


@community_page()
def todos(request: HttpRequest, community: Community, me: Membership) -> HttpResponse:
    form = TodoForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            content.todo_create(community=community, actor=_user(request), **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _done(request, _("群待办已发布"), "communities:leader_todos", community)
    return render(
        request,
        "communities/leader/todos.html",
        {
            "community": community,
            "me": me,
            "form": form,
            "todos": GroupTodo.objects.filter(community=community)
            .annotate(done_count=Count("dones"))
            .order_by("-due_at")[:50],
            "member_count": community.memberships.filter(left_at__isnull=True).count(),
        },
    )


@community_page()
def moderation_page(request: HttpRequest, community: Community, me: Membership) -> HttpResponse:
    user = _user(request)
    form = ModerationWordForm(request.POST if "word" in request.POST else None)
    if request.method == "POST" and "remove" in request.POST:
        word = get_object_or_404(
            ModerationWord, community=community, pk=request.POST.get("remove") or 0
        )
        moderation.moderation_word_remove(word=word, actor=user)
        return _done(request, _("已删除敏感词"), "communities:leader_moderation", community)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.moderation_word_add(
                community=community, actor=user, word=form.cleaned_data["word"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _done(request, _("已添加敏感词"), "communities:leader_moderation", community)
    return render(
        request,
        "communities/leader/moderation.html",
        {
            "community": community,
            "me": me,
            "form": form,
            "words": community.moderation_words.order_by("word"),
            "hits": selectors.moderation_hits_by_word(community),
            "recent": ModerationHit.objects.filter(community=community)[:20],
        },
    )
