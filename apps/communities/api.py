"""The community JSON API under /api/v1/communities/.

Every queryset starts from the communities the user is in now, so another group is a 404; inside
a group, the services decide who may do what (a member calling an admin's action gets 403).
"""

from datetime import timedelta
from functools import cached_property
from typing import Any, cast

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from apps.accounts.models import User
from apps.communities import content, invites, moderation, selectors, services
from apps.communities.access import membership_require
from apps.communities.filters import MemberFilter, members_with_activity
from apps.communities.lifecycle import community_lifecycle
from apps.communities.models import (
    Announcement,
    Community,
    GroupTodo,
    Invite,
    JoinRequest,
    Membership,
    ModerationWord,
    TodoDone,
)
from apps.communities.serializers import AnnouncementInputSerializer, AnnouncementOutputSerializer
from apps.core.api import ErrorSerializer
from apps.core.errors import NotFound

_AUTH = {403: OpenApiResponse(ErrorSerializer, description="Not logged in, or not allowed.")}
_NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Not one of your communities.")}
_INVALID = {400: OpenApiResponse(ErrorSerializer, description="Invalid input or blocked text.")}
_CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="Not allowed in this state.")}
COMMUNITY_PK = OpenApiParameter("community_pk", int, OpenApiParameter.PATH)


def _user(request: Request) -> User:
    return cast(User, request.user)


def my_communities(user: User) -> QuerySet[Community]:
    mine = Membership.objects.filter(community=OuterRef("pk"), user=user, left_at__isnull=True)
    return Community.objects.annotate(my_role=Subquery(mine.values("role")[:1])).filter(
        my_role__isnull=False
    )


# --- Input ----------------------------------------------------------------------------------


class RenameInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=64)


class SettingsInputSerializer(serializers.Serializer[Any]):
    requires_approval = serializers.BooleanField(required=False)
    anti_harassment = serializers.BooleanField(required=False)
    ends_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Owner only: end time of a temporary group."
    )


class TransferInputSerializer(serializers.Serializer[Any]):
    new_owner = serializers.IntegerField(help_text="User id of an active member.")
    old_owner_role = serializers.ChoiceField(
        choices=[Membership.Role.ADMIN, Membership.Role.MEMBER], default=Membership.Role.ADMIN
    )


class JoinInputSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=16)


class InviteInputSerializer(serializers.Serializer[Any]):
    days = serializers.IntegerField(min_value=1, max_value=invites.MAX_INVITE_DAYS, default=7)
    max_uses = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class TodoInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=100)
    due_at = serializers.DateTimeField()


class TodoDoneInputSerializer(serializers.Serializer[Any]):
    done = serializers.BooleanField(default=True)


class WordInputSerializer(serializers.Serializer[Any]):
    word = serializers.CharField(max_length=moderation.MAX_WORD_LENGTH)


class NicknameInputSerializer(serializers.Serializer[Any]):
    nickname = serializers.CharField(max_length=64, allow_blank=True)


# --- Output ---------------------------------------------------------------------------------


# Named in the schema by what it is: other apps have serializers of the same class name.
@extend_schema_serializer(component_name="Community")
class CommunityOutputSerializer(serializers.ModelSerializer[Community]):
    my_role = serializers.ChoiceField(choices=Membership.Role.choices, read_only=True)
    stage = serializers.SerializerMethodField()

    class Meta:
        model = Community
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "my_role",
            "stage",
            "requires_approval",
            "anti_harassment",
            "ends_at",
            "dissolved_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_stage(self, community: Community) -> str:
        """cold_start (first 3 days), growth (to 4 weeks) or mature."""
        return community.stage()


class PlaybookStepOutputSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    stage = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField(help_text="done, todo, untracked or unavailable.")


class ChurnMonthOutputSerializer(serializers.Serializer[Any]):
    month = serializers.DateField()
    at_start = serializers.IntegerField()
    left = serializers.IntegerField()
    joined = serializers.IntegerField()
    rate = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="Percent."
    )
    warning = serializers.BooleanField(help_text="Above 30 %.")


class MemberOutputSerializer(serializers.ModelSerializer[Membership]):
    user = serializers.IntegerField(source="user_id", read_only=True)
    name = serializers.CharField(source="user.shown_name", read_only=True)
    last_order_at = serializers.DateTimeField(read_only=True, allow_null=True)
    order_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "user",
            "name",
            "nickname",
            "role",
            "joined_at",
            "left_at",
            "last_order_at",
            "order_count",
        ]
        read_only_fields = fields


class JoinOutputSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=["joined", "pending"], help_text="pending: the group approves joins."
    )
    community = serializers.IntegerField()


class InviteOutputSerializer(serializers.ModelSerializer[Invite]):
    class Meta:
        model = Invite
        fields = [
            "id",
            "code",
            "created_by",
            "expires_at",
            "max_uses",
            "use_count",
            "revoked_at",
            "created_at",
        ]
        read_only_fields = fields


class JoinRequestOutputSerializer(serializers.ModelSerializer[JoinRequest]):
    name = serializers.CharField(source="user.shown_name", read_only=True)

    class Meta:
        model = JoinRequest
        fields = ["id", "user", "name", "invite", "status", "created_at", "decided_at"]
        read_only_fields = fields


class TodoOutputSerializer(serializers.ModelSerializer[GroupTodo]):
    done = serializers.BooleanField(read_only=True, help_text="Done by the requesting member.")
    done_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = GroupTodo
        fields = ["id", "title", "due_at", "created_by", "done", "done_count"]
        read_only_fields = fields


class WordOutputSerializer(serializers.ModelSerializer[ModerationWord]):
    class Meta:
        model = ModerationWord
        fields = ["id", "word", "created_at"]
        read_only_fields = fields


class HitCountOutputSerializer(serializers.Serializer[Any]):
    word = serializers.CharField()
    platform = serializers.BooleanField()
    hits = serializers.IntegerField()
    last = serializers.DateTimeField()


# --- Communities ----------------------------------------------------------------------------


class CommunityViewSet(GenericViewSet[Community]):
    """The communities the user is in now, with their role in each."""

    queryset = Community.objects.none()
    parser_classes = [JSONParser]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Community]:
        return my_communities(_user(self.request)).order_by("-created_at", "-id")

    def _detail(self, community: Community) -> Response:
        return Response(CommunityOutputSerializer(self.get_queryset().get(pk=community.pk)).data)

    @extend_schema(responses={200: CommunityOutputSerializer, **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CommunityOutputSerializer(page, many=True).data)

    @extend_schema(responses={200: CommunityOutputSerializer, **_AUTH, **_NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CommunityOutputSerializer(self.get_object()).data)

    @extend_schema(
        request=RenameInputSerializer,
        responses={200: CommunityOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def rename(self, request: Request, pk: str) -> Response:
        """Owner only."""
        serializer = RenameInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        community = services.community_rename(
            community=self.get_object(), actor=_user(request), **serializer.validated_data
        )
        return self._detail(community)

    @extend_schema(
        request=SettingsInputSerializer,
        responses={200: CommunityOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="settings")
    def update_settings(self, request: Request, pk: str) -> Response:
        """Owner or admins: approval to join, 防骚扰. Owner: the end time (临时群)."""
        serializer = SettingsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        community = self.get_object()
        if "ends_at" in data:
            services.community_ends_at_set(
                community=community, actor=_user(request), ends_at=data.pop("ends_at")
            )
        community = services.community_settings_update(
            community=community, actor=_user(request), **data
        )
        return self._detail(community)

    @extend_schema(
        request=TransferInputSerializer,
        responses={200: CommunityOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str) -> Response:
        """Owner only: hand the group to another member."""
        serializer = TransferInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new_owner = User.objects.filter(pk=serializer.validated_data["new_owner"]).first()
        if new_owner is None:
            raise NotFound("该成员不在群中", field="new_owner")
        community = services.community_transfer(
            community=self.get_object(),
            actor=_user(request),
            new_owner=new_owner,
            old_owner_role=serializer.validated_data["old_owner_role"],
        )
        return self._detail(community)

    @extend_schema(
        request=None,
        responses={200: CommunityOutputSerializer, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def dissolve(self, request: Request, pk: str) -> Response:
        """Owner only. Open chains close; members and orders keep their history."""
        community = services.community_dissolve(community=self.get_object(), actor=_user(request))
        return self._detail(community)

    @extend_schema(request=None, responses={204: None, **_AUTH, **_NOT_FOUND, **_CONFLICT})
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: str) -> Response:
        services.membership_leave(community=self.get_object(), user=_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=NicknameInputSerializer,
        responses={204: None, **_INVALID, **_AUTH, **_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def nickname(self, request: Request, pk: str) -> Response:
        """Set my nickname in this group (checked for blocked words)."""
        serializer = NicknameInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.membership_nickname_set(
            community=self.get_object(), user=_user(request), **serializer.validated_data
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: ChurnMonthOutputSerializer(many=True), **_AUTH, **_NOT_FOUND})
    @action(detail=True, methods=["get"])
    def churn(self, request: Request, pk: str) -> Response:
        """Owner or admins: monthly churn over the last six months and this one."""
        community = self.get_object()
        membership_require(community=community, user=_user(request), roles=selectors.MANAGING_ROLES)
        months = selectors.community_churn_by_month(community)
        rows = [{**vars(month), "rate": month.rate, "warning": month.warning} for month in months]
        return Response(ChurnMonthOutputSerializer(rows, many=True).data)

    @extend_schema(responses={200: PlaybookStepOutputSerializer(many=True), **_AUTH, **_NOT_FOUND})
    @action(detail=True, methods=["get"])
    def playbook(self, request: Request, pk: str) -> Response:
        """The lifecycle playbook: each stage's steps and whether this group has set them up."""
        lifecycle = community_lifecycle(self.get_object())
        rows = [
            {"key": s.step.key, "stage": s.step.stage, "title": s.step.title, "state": s.state}
            for plan in lifecycle.plans
            for s in plan.steps
        ]
        return Response(PlaybookStepOutputSerializer(rows, many=True).data)

    @extend_schema(
        request=JoinInputSerializer,
        responses={
            201: JoinOutputSerializer,
            **_INVALID,
            **_AUTH,
            404: _NOT_FOUND[404],
            **_CONFLICT,
        },
    )
    @action(detail=False, methods=["post"])
    def join(self, request: Request) -> Response:
        """Redeem an invite code: join, or ask to join where the group approves joins."""
        serializer = JoinInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = invites.invite_redeem(code=serializer.validated_data["code"], user=_user(request))
        body = {
            "status": "pending" if isinstance(result, JoinRequest) else "joined",
            "community": result.community_id,
        }
        return Response(JoinOutputSerializer(body).data, status=status.HTTP_201_CREATED)


# --- Inside one community -------------------------------------------------------------------


class InCommunityViewSet(GenericViewSet[Any]):
    parser_classes = [JSONParser]
    filter_backends: list[Any] = []

    @cached_property
    def community(self) -> Community:
        community = (
            my_communities(_user(self.request)).filter(pk=int(self.kwargs["community_pk"])).first()
        )
        if community is None:
            raise NotFound("群不存在或你已不在群中")
        return community

    def require_manager(self) -> Membership:
        return membership_require(
            community=self.community, user=_user(self.request), roles=selectors.MANAGING_ROLES
        )


@extend_schema(parameters=[COMMUNITY_PK])
class MemberViewSet(InCommunityViewSet):
    """Owner or admins: the member list, filterable by activity to find dormant members."""

    queryset = Membership.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = MemberFilter

    def get_queryset(self) -> QuerySet[Membership]:
        return members_with_activity(self.community).order_by("-joined_at", "-id")

    @extend_schema(responses={200: MemberOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND})
    def list(self, request: Request, community_pk: str) -> Response:
        self.require_manager()
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(MemberOutputSerializer(page, many=True).data)

    def _act(self, service: Any) -> Response:
        target = self.get_object()
        service(community=self.community, actor=_user(self.request), user=target.user)
        return Response(MemberOutputSerializer(self.get_queryset().get(pk=target.pk)).data)

    @extend_schema(
        request=None,
        responses={200: MemberOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def promote(self, request: Request, community_pk: str, pk: str) -> Response:
        """Owner only; at most 5 admins."""
        return self._act(services.membership_promote)

    @extend_schema(
        request=None,
        responses={200: MemberOutputSerializer, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def demote(self, request: Request, community_pk: str, pk: str) -> Response:
        """Owner only."""
        return self._act(services.membership_demote)

    @extend_schema(
        request=None,
        responses={200: MemberOutputSerializer, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, community_pk: str, pk: str) -> Response:
        """Owner or admins (only the owner removes an admin). Orders stay."""
        return self._act(services.membership_remove)


@extend_schema(parameters=[COMMUNITY_PK])
class InviteViewSet(InCommunityViewSet):
    """Invites: any member makes them; owner and admins see all, others their own."""

    queryset = Invite.objects.none()

    def get_queryset(self) -> QuerySet[Invite]:
        invites_here = Invite.objects.filter(community=self.community).order_by("-created_at")
        me = membership_require(community=self.community, user=_user(self.request))
        if me.role in selectors.MANAGING_ROLES:
            return invites_here
        return invites_here.filter(created_by=_user(self.request))

    @extend_schema(responses={200: InviteOutputSerializer, **_AUTH, **_NOT_FOUND})
    def list(self, request: Request, community_pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(InviteOutputSerializer(page, many=True).data)

    @extend_schema(
        request=InviteInputSerializer,
        responses={201: InviteOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    def create(self, request: Request, community_pk: str) -> Response:
        """The link to share is /join/<code>/ and its QR code /join/<code>/qr.svg."""
        serializer = InviteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invite = invites.invite_create(
            community=self.community,
            actor=_user(request),
            expires_in=timedelta(days=serializer.validated_data["days"]),
            max_uses=serializer.validated_data.get("max_uses"),
        )
        return Response(InviteOutputSerializer(invite).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: InviteOutputSerializer, **_AUTH, **_NOT_FOUND})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, community_pk: str, pk: str) -> Response:
        invite = invites.invite_revoke(invite=self.get_object(), actor=_user(request))
        return Response(InviteOutputSerializer(invite).data)


@extend_schema(parameters=[COMMUNITY_PK])
class JoinRequestViewSet(InCommunityViewSet):
    """Owner or admins: the approval queue (入群审核)."""

    queryset = JoinRequest.objects.none()

    def get_queryset(self) -> QuerySet[JoinRequest]:
        self.require_manager()
        return selectors.join_requests_pending(self.community)

    @extend_schema(responses={200: JoinRequestOutputSerializer, **_AUTH, **_NOT_FOUND})
    def list(self, request: Request, community_pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(JoinRequestOutputSerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={200: JoinRequestOutputSerializer, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, community_pk: str, pk: str) -> Response:
        join_request = self.get_object()
        invites.join_request_approve(join_request=join_request, actor=_user(request))
        join_request.refresh_from_db()
        return Response(JoinRequestOutputSerializer(join_request).data)

    @extend_schema(
        request=None,
        responses={200: JoinRequestOutputSerializer, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, community_pk: str, pk: str) -> Response:
        join_request = invites.join_request_reject(
            join_request=self.get_object(), actor=_user(request)
        )
        return Response(JoinRequestOutputSerializer(join_request).data)


@extend_schema(parameters=[COMMUNITY_PK])
class AnnouncementViewSet(InCommunityViewSet):
    """群公告 with its history, newest (the current one) first."""

    queryset = Announcement.objects.none()

    def get_queryset(self) -> QuerySet[Announcement]:
        return Announcement.objects.filter(community=self.community)

    @extend_schema(responses={200: AnnouncementOutputSerializer, **_AUTH, **_NOT_FOUND})
    def list(self, request: Request, community_pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AnnouncementOutputSerializer(page, many=True).data)

    @extend_schema(
        request=AnnouncementInputSerializer,
        responses={
            201: AnnouncementOutputSerializer,
            **_INVALID,
            **_AUTH,
            **_NOT_FOUND,
            **_CONFLICT,
        },
    )
    def create(self, request: Request, community_pk: str) -> Response:
        """Owner or admins. Checked for blocked words (code "blocked")."""
        serializer = AnnouncementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        announcement = content.announcement_post(
            community=self.community, actor=_user(request), body=serializer.validated_data["body"]
        )
        return Response(
            AnnouncementOutputSerializer(announcement).data, status=status.HTTP_201_CREATED
        )


@extend_schema(parameters=[COMMUNITY_PK])
class TodoViewSet(InCommunityViewSet):
    """群待办: each with whether I have done it and how many members have."""

    queryset = GroupTodo.objects.none()

    def get_queryset(self) -> QuerySet[GroupTodo]:
        mine = TodoDone.objects.filter(todo=OuterRef("pk"), user=_user(self.request))
        return (
            GroupTodo.objects.filter(community=self.community)
            .annotate(done=Exists(mine), done_count=Count("dones"))
            .order_by("due_at", "id")
        )

    @extend_schema(responses={200: TodoOutputSerializer, **_AUTH, **_NOT_FOUND})
    def list(self, request: Request, community_pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(TodoOutputSerializer(page, many=True).data)

    @extend_schema(
        request=TodoInputSerializer,
        responses={201: TodoOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    def create(self, request: Request, community_pk: str) -> Response:
        """Owner or admins."""
        serializer = TodoInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        todo = content.todo_create(
            community=self.community, actor=_user(request), **serializer.validated_data
        )
        return Response(
            TodoOutputSerializer(self.get_queryset().get(pk=todo.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=TodoDoneInputSerializer,
        responses={200: TodoOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def done(self, request: Request, community_pk: str, pk: str) -> Response:
        """Tick the to-do off for me (or `done: false` to undo)."""
        serializer = TodoDoneInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        todo = self.get_object()
        content.todo_mark_done(
            todo=todo, user=_user(request), done=serializer.validated_data["done"]
        )
        return Response(TodoOutputSerializer(self.get_queryset().get(pk=todo.pk)).data)


@extend_schema(parameters=[COMMUNITY_PK])
class ModerationWordViewSet(InCommunityViewSet):
    """Owner or admins: the group's own blocked words (in force while 防骚扰 is on)."""

    queryset = ModerationWord.objects.none()

    def get_queryset(self) -> QuerySet[ModerationWord]:
        self.require_manager()
        return ModerationWord.objects.filter(community=self.community).order_by("word")

    @extend_schema(responses={200: WordOutputSerializer, **_AUTH, **_NOT_FOUND})
    def list(self, request: Request, community_pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(WordOutputSerializer(page, many=True).data)

    @extend_schema(
        request=WordInputSerializer,
        responses={201: WordOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    def create(self, request: Request, community_pk: str) -> Response:
        serializer = WordInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        word = moderation.moderation_word_add(
            community=self.community, actor=_user(request), word=serializer.validated_data["word"]
        )
        return Response(WordOutputSerializer(word).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **_AUTH, **_NOT_FOUND})
    def destroy(self, request: Request, community_pk: str, pk: str) -> Response:
        moderation.moderation_word_remove(word=self.get_object(), actor=_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: HitCountOutputSerializer(many=True), **_AUTH, **_NOT_FOUND})
    @action(detail=False, methods=["get"])
    def hits(self, request: Request, community_pk: str) -> Response:
        """How often each word (the group's and the platform's) stopped a text here."""
        self.require_manager()
        rows = selectors.moderation_hits_by_word(self.community)
        return Response(HitCountOutputSerializer(rows, many=True).data)
