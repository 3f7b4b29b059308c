from django import template

from apps.accounts.phone import mask_phone

register = template.Library()


@register.filter(name="mask_phone")
def mask_phone_filter(phone: str | None) -> str:
    """{{ user.phone|mask_phone }} → 138****5678 (empty stays empty)."""
    return mask_phone(phone) if phone else ""
