from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.catalog.models import Merchant
from apps.communities.models import Community
from apps.communities.selectors import communities_managed_by
from apps.courses.models import Lesson
from apps.courses.services import CourseDetails, LessonDetails, SessionDetails


class CourseForm(forms.Form):
    title = forms.CharField(label=_("课程名称"), max_length=100)
    description = forms.CharField(label=_("课程介绍"), widget=forms.Textarea, required=False)
    instructor_name = forms.CharField(label=_("讲师"), max_length=32)
    price = forms.DecimalField(
        label=_("价格（元）"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    active = forms.BooleanField(label=_("上架"), required=False, initial=True)

    def details(self) -> CourseDetails:
        data = self.cleaned_data
        return CourseDetails(
            title=data["title"],
            description=data["description"],
            instructor_name=data["instructor_name"],
            price=data["price"],
            active=data["active"],
        )


class CourseCreateForm(CourseForm):
    """A course of one of the user's groups, or of a merchant the user works for."""

    community = forms.ModelChoiceField(
        label=_("社群"), queryset=Community.objects.none(), required=False
    )
    merchant = forms.ModelChoiceField(
        label=_("商家"), queryset=Merchant.objects.none(), required=False
    )
    seats = forms.IntegerField(label=_("名额"), min_value=1, max_value=100000, initial=1000)

    def __init__(self, *args: Any, leader: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities_managed_by(leader)  # type: ignore[attr-defined]
        self.fields["merchant"].queryset = Merchant.objects.filter(staff=leader)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("community") is None) == (data.get("merchant") is None):
            raise forms.ValidationError(_("请选择一个社群或一个商家"))
        return data


class LessonForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea, required=False)
    video_url = forms.URLField(label=_("视频地址"), required=False, assume_scheme="https")
    duration_seconds = forms.IntegerField(
        label=_("时长（秒）"), min_value=0, max_value=86400, initial=0
    )
    is_trial = forms.BooleanField(label=_("试看"), required=False)
    release = forms.ChoiceField(label=_("开放方式"), choices=Lesson.Release.choices)
    release_days = forms.IntegerField(
        label=_("报名后第几天开放"), min_value=0, max_value=3650, initial=0
    )
    release_at = forms.DateTimeField(label=_("开放时间"), required=False)

    def details(self) -> LessonDetails:
        return LessonDetails(**self.cleaned_data)


class CohortForm(forms.Form):
    name = forms.CharField(label=_("营期名称"), max_length=64)
    enrol_opens_at = forms.DateTimeField(label=_("报名开始"))
    enrol_closes_at = forms.DateTimeField(label=_("报名截止"))
    starts_at = forms.DateTimeField(label=_("开营时间"))


class SessionForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100)
    description = forms.CharField(label=_("说明"), widget=forms.Textarea, required=False)
    starts_at = forms.DateTimeField(label=_("开始时间"))
    duration_minutes = forms.IntegerField(
        label=_("时长（分钟）"), min_value=1, max_value=1440, initial=60
    )
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=10000)
    price = forms.DecimalField(
        label=_("价格（元，免费留空）"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
    )

    def details(self) -> SessionDetails:
        return SessionDetails(**self.cleaned_data)


class CommunitySessionForm(SessionForm):
    community = forms.ModelChoiceField(label=_("社群"), queryset=Community.objects.none())

    field_order = ["community"]

    def __init__(self, *args: Any, leader: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities_managed_by(leader)  # type: ignore[attr-defined]

    def details(self) -> SessionDetails:
        data = {k: v for k, v in self.cleaned_data.items() if k != "community"}
        return SessionDetails(**data)


class ProgressForm(forms.Form):
    position = forms.IntegerField(min_value=0, max_value=86400 * 7)
    completed = forms.BooleanField(required=False)
