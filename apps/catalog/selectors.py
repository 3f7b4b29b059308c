from django.db.models import QuerySet

from apps.accounts.models import User
from apps.accounts.roles import Role, has_role
from apps.catalog.models import SKU, Merchant, Product, SupplyAgreement


def merchants_visible_to(user: User) -> QuerySet[Merchant]:
    """Superusers and operations see every merchant; merchant staff only their own."""
    if user.is_superuser or has_role(user, Role.OPERATIONS):
        return Merchant.objects.all()
    return Merchant.objects.filter(staff=user)


def products_visible_to(user: User) -> QuerySet[Product]:
    return Product.objects.filter(merchant__in=merchants_visible_to(user))


def skus_visible_to(user: User) -> QuerySet[SKU]:
    return SKU.objects.filter(product__merchant__in=merchants_visible_to(user))


def skus_sellable_by(leader: User) -> QuerySet[SKU]:
    """SKUs a leader may put in a chain: active goods of merchants the leader sells for."""
    return SKU.objects.filter(
        active=True,
        product__active=True,
        product__kind=Product.Kind.GOODS,
        product__merchant__supply_agreements__leader=leader,
        product__merchant__supply_agreements__status=SupplyAgreement.Status.APPROVED,
    ).select_related("product", "product__merchant")
