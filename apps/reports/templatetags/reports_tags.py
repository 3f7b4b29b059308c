from django import template
from django.utils.translation import gettext as _

from apps.accounts.phone import mask_phone

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """A median time as people say it: 45 秒, 12 分钟, 3.5 小时, 2.1 天."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return _("%(n)s 秒") % {"n": round(seconds)}
    if seconds < 3600:
        return _("%(n)s 分钟") % {"n": round(seconds / 60)}
    if seconds < 86400:
        return _("%(n)s 小时") % {"n": round(seconds / 3600, 1)}
    return _("%(n)s 天") % {"n": round(seconds / 86400, 1)}


@register.filter
def person(person_id: str) -> str:
    """A funnel person as a leader may see them: a masked phone, or an anonymous visitor."""
    if person_id.startswith("phone:"):
        return mask_phone(person_id.removeprefix("phone:"))
    return _("访客 %(id)s") % {"id": person_id.removeprefix("v:")[:6]}


@register.filter
def pct(value: object) -> str:
    return "—" if value is None else f"{value}%"
