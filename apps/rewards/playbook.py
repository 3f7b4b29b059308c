"""What rewards tells the communities' stage playbook about a community."""

from django.db.models import Q

from apps.communities.models import Community
from apps.rewards.models import CheckIn, WelcomeGift


def has_welcome_gift(community: Community) -> bool:
    gifts = WelcomeGift.objects.filter(community=community)
    return gifts.filter(Q(coupon_template__isnull=False) | Q(points__gt=0)).exists()


def has_check_ins(community: Community) -> bool:
    return CheckIn.objects.filter(community=community).exists()
