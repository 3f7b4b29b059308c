"""CSV/XLSX import and export of products, scoped to the merchants the importing user works for."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from apps.accounts.models import User
from apps.catalog.models import Merchant, Product
from apps.catalog.selectors import merchants_visible_to, products_visible_to
from apps.core.errors import PermissionDenied


class ScopedMerchantWidget(ForeignKeyWidget):
    """Resolves the merchant column by name, only among the merchants the user may touch."""

    def __init__(self, user: User | None) -> None:
        super().__init__(Merchant, field="name")
        self.user = user

    def get_queryset(self, value: Any, row: Any, *args: Any, **kwargs: Any) -> QuerySet[Merchant]:
        if self.user is None:
            return Merchant.objects.none()
        return merchants_visible_to(self.user)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if not value and self.user is not None:
            own = list(merchants_visible_to(self.user)[:2])
            if len(own) == 1:
                return own[0]
        try:
            return super().clean(value, row, **kwargs)
        except Merchant.DoesNotExist as exc:
            raise ValueError(gettext("商家“%(name)s”不存在或不属于你") % {"name": value}) from exc


class ProductResource(resources.ModelResource):
    merchant = fields.Field(attribute="merchant", column_name="merchant")

    class Meta:
        model = Product
        fields = ("id", "merchant", "title", "description", "kind", "active")
        export_order = ("id", "merchant", "title", "description", "kind", "active")
        skip_unchanged = True
        report_skipped = True

    def __init__(self, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user
        self.fields["merchant"].widget = ScopedMerchantWidget(user)

    def get_queryset(self) -> QuerySet[Product]:
        # Rows are matched by id only among the user's own products: an id of another
        # merchant's product is not found and cannot be overwritten.
        if self.user is None:
            return Product.objects.none()
        return products_visible_to(self.user)

    def before_save_instance(self, instance: Product, row: Any, **kwargs: Any) -> None:
        if (
            self.user is None
            or not merchants_visible_to(self.user).filter(pk=instance.merchant_id).exists()
        ):
            raise PermissionDenied(gettext("不能导入其他商家的商品"))
