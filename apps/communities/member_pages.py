"""The member's side: join through an invite (link, code or QR), the group page with its
announcement and to-dos, a nickname, inviting friends, and leaving."""

import io
from datetime import timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.ads.delivery import ad_serve
from apps.ads.models import Placement
from apps.communities import content, invites, services
from apps.communities.access import membership_require
from apps.communities.forms import InviteForm, JoinForm, NicknameForm
from apps.communities.models import Community, GroupTodo, Invite, JoinRequest, TodoDone
from apps.core.errors import DomainError, NotFound
from apps.core.forms import add_domain_error


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def join_url(request: HttpRequest, invite: Invite) -> str:
    return request.build_absolute_uri(reverse("communities:join", kwargs={"code": invite.code}))


def join(request: HttpRequest, code: str) -> HttpResponse:
    """The page an invite link or QR code opens; joining needs an account."""
    try:
        invite = invites.invite_by_code(code)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    form = JoinForm(initial={"code": invite.code})
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:phone')}?next={request.path}")
        try:
            result = invites.invite_redeem(code=invite.code, user=_user(request))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if isinstance(result, JoinRequest):
                messages.success(request, _("已提交入群申请，等待群主或管理员同意"))
            else:
                messages.success(request, _("欢迎加入“%(name)s”") % {"name": invite.community})
                return redirect("communities:community", community_id=invite.community_id)
        return redirect("communities:join", code=invite.code)
    return render(
        request,
        "communities/join.html",
        {
            "invite": invite,
            "community": invite.community,
            "form": form,
            "usable": invite.is_usable(),
        },
    )


@login_required
def join_by_code(request: HttpRequest) -> HttpResponse:
    """A code typed by hand (邀请码) leads to the same page as the link."""
    form = JoinForm(request.GET or None)
    if form.is_valid():
        return redirect("communities:join", code=form.cleaned_data["code"].strip().upper())
    return render(request, "communities/join_code.html", {"form": form})


def invite_qr(request: HttpRequest, code: str) -> HttpResponse:
    """The invite link as a QR code (SVG), to post in the group or print at the pickup point."""
    invite = get_object_or_404(Invite, code=code.upper())
    buffer = io.BytesIO()
    segno.make(join_url(request, invite), error="m").save(
        buffer, kind="svg", scale=6, border=2, xmldecl=False
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def community(request: HttpRequest, community_id: int) -> HttpResponse:
    group = get_object_or_404(Community, pk=community_id)
    user = _user(request)
    try:
        me = membership_require(community=group, user=user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    nickname_form = NicknameForm(
        request.POST if "nickname" in request.POST else None, initial={"nickname": me.nickname}
    )
    invite_form = InviteForm(request.POST if "days" in request.POST else None)
    if request.method == "POST":
        try:
            if nickname_form.is_bound and nickname_form.is_valid():
                services.membership_nickname_set(
                    community=group, user=user, nickname=nickname_form.cleaned_data["nickname"]
                )
                messages.success(request, _("群昵称已保存"))
                return redirect("communities:community", community_id=group.pk)
            if invite_form.is_bound and invite_form.is_valid():
                invite = invites.invite_create(
                    community=group,
                    actor=user,
                    expires_in=timedelta(days=invite_form.cleaned_data["days"]),
                    max_uses=invite_form.cleaned_data["max_uses"],
                )
                messages.success(request, _("邀请码 %(code)s 已生成") % {"code": invite.code})
                return redirect("communities:community", community_id=group.pk)
        except DomainError as error:
            add_domain_error(nickname_form if nickname_form.is_bound else invite_form, error)
    todos = list(GroupTodo.objects.filter(community=group).order_by("due_at")[:20])
    done = set(TodoDone.objects.filter(todo__in=todos, user=user).values_list("todo_id", flat=True))
    return render(
        request,
        "communities/community.html",
        {
            "community": group,
            "me": me,
            "announcement": content.announcement_current(group),
            "todos": [(todo, todo.pk in done) for todo in todos],
            "nickname_form": nickname_form,
            "invite_form": invite_form,
            "my_invites": group.invites.filter(created_by=user).order_by("-created_at")[:5],
            "ad": ad_serve(request, community=group, slot=Placement.Slot.COMMUNITY_PAGE)
            if request.method == "GET"
            else None,
        },
    )


@require_POST
@login_required
def todo_done(request: HttpRequest, community_id: int, todo_id: int) -> HttpResponse:
    todo = get_object_or_404(GroupTodo, community_id=community_id, pk=todo_id)
    try:
        content.todo_mark_done(todo=todo, user=_user(request), done=request.POST.get("done") != "0")
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return redirect("communities:community", community_id=community_id)


@require_POST
@login_required
def leave(request: HttpRequest, community_id: int) -> HttpResponse:
    group = get_object_or_404(Community, pk=community_id)
    try:
        services.membership_leave(community=group, user=_user(request))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("communities:community", community_id=group.pk)
    messages.success(request, _("你已退出“%(name)s”") % {"name": group.name})
    return redirect("home")
