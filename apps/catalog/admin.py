"""The merchants' back office. Merchant staff see and change only their own merchant's rows,
in lists, search, filters and direct URLs alike; operations and superusers see everything."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy
from import_export.admin import ImportExportModelAdmin

from apps.catalog import services
from apps.catalog.models import SKU, Merchant, Product, StockMovement
from apps.catalog.resources import ProductResource
from apps.catalog.selectors import merchants_visible_to, products_visible_to, skus_visible_to
from apps.core.errors import DomainError

MANUAL_REASONS = [
    (StockMovement.Reason.RESTOCK, StockMovement.Reason.RESTOCK.label),
    (StockMovement.Reason.CORRECTION, StockMovement.Reason.CORRECTION.label),
]


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "contact_phone", "created_at")
    search_fields = ("name",)
    filter_horizontal = ("staff", "sellers")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Merchant]:
        return merchants_visible_to(request.user)  # type: ignore[arg-type]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Staff may edit their merchant's details and leaders, not who else works there.
        if request.user.is_superuser:
            return ()
        return ("staff",)


class SKUInline(admin.TabularInline):
    model = SKU
    extra = 0
    fields = ("spec", "price", "code", "stock", "active")
    readonly_fields = ("stock",)
    show_change_link = True


@admin.register(Product)
class ProductAdmin(ImportExportModelAdmin):
    resource_classes = [ProductResource]
    list_display = ("title", "merchant", "kind", "active", "created_at")
    list_filter = ("kind", "active", ("merchant", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title", "skus__code")
    list_select_related = ("merchant",)
    inlines = [SKUInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return products_visible_to(request.user).select_related("merchant")  # type: ignore[arg-type]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "merchant":
            kwargs["queryset"] = merchants_visible_to(request.user)  # type: ignore[arg-type]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_resource_kwargs(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return {**kwargs, "user": request.user}

    def get_import_data_kwargs(self, **kwargs: Any) -> Any:
        # A confirmed file is imported whole or not at all, even when a row turned invalid after
        # its preview (a merchant renamed, the user taken off a merchant).
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}


class SKUAdminForm(forms.ModelForm):
    stock_change = forms.IntegerField(
        label=gettext_lazy("库存变动"),
        required=False,
        help_text=gettext_lazy("正数补货，负数减少；新规格填写初始库存"),
    )
    stock_reason = forms.ChoiceField(
        label=gettext_lazy("变动原因"), choices=MANUAL_REASONS, required=False
    )
    stock_note = forms.CharField(label=gettext_lazy("备注"), required=False, max_length=200)

    class Meta:
        model = SKU
        fields = ("product", "spec", "price", "code", "active")

    def clean_stock_change(self) -> int:
        delta = self.cleaned_data.get("stock_change") or 0
        if self.instance.stock + delta < 0:
            raise forms.ValidationError(
                gettext("库存不足：当前库存 %(stock)s") % {"stock": self.instance.stock}
            )
        return delta


@admin.register(SKU)
class SKUAdmin(admin.ModelAdmin):
    form = SKUAdminForm
    list_display = ("code", "product", "spec", "price", "stock", "active")
    list_filter = ("active", ("product__merchant", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "spec", "product__title")
    list_select_related = ("product",)
    readonly_fields = ("stock",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[SKU]:
        return skus_visible_to(request.user).select_related("product")  # type: ignore[arg-type]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "product":
            kwargs["queryset"] = products_visible_to(request.user)  # type: ignore[arg-type]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: SKU, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        delta = form.cleaned_data.get("stock_change") or 0
        if not delta:
            return
        reason = (
            form.cleaned_data.get("stock_reason") or StockMovement.Reason.RESTOCK
            if change
            else StockMovement.Reason.INITIAL
        )
        try:
            services.sku_stock_adjust(
                sku=obj,
                delta=delta,
                reason=reason,
                actor=request.user,  # type: ignore[arg-type]
                note=form.cleaned_data.get("stock_note", ""),
            )
        except DomainError as error:
            self.message_user(
                request,
                gettext("库存未变动：%(error)s") % {"error": error.message},
                messages.ERROR,
            )


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """Read-only: a movement is a trace, never edited or deleted."""

    list_display = ("created_at", "sku", "delta", "stock_after", "reason", "reference", "actor")
    list_filter = ("reason",)
    search_fields = ("sku__code", "reference", "note")
    list_select_related = ("sku", "sku__product", "actor")

    def get_queryset(self, request: HttpRequest) -> QuerySet[StockMovement]:
        visible = skus_visible_to(request.user)  # type: ignore[arg-type]
        return StockMovement.objects.filter(sku__in=visible)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
