"""The merchants' back office. Merchant staff see and change only their own merchant's rows,
in lists, search, filters and direct URLs alike; operations and superusers see everything."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
from import_export.admin import ImportExportModelAdmin

from apps.accounts.models import User
from apps.accounts.roles import Role, has_role
from apps.catalog import services, staff, supply
from apps.catalog.models import SKU, Merchant, Product, StockMovement, SupplyAgreement
from apps.catalog.resources import ProductResource
from apps.catalog.selectors import merchants_visible_to, products_visible_to, skus_visible_to
from apps.core.errors import DomainError
from apps.core.forms import add_domain_error

MANUAL_REASONS = [
    (StockMovement.Reason.RESTOCK, StockMovement.Reason.RESTOCK.label),
    (StockMovement.Reason.CORRECTION, StockMovement.Reason.CORRECTION.label),
]


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    """Operations onboard a merchant with its staff and managers; the merchant's managers then
    keep its team themselves on the 员工 page (add and remove, never another merchant's)."""

    list_display = ("name", "contact_phone", "created_at", "staff_link")
    search_fields = ("name",)
    filter_horizontal = ("staff", "managers")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Merchant]:
        return merchants_visible_to(request.user)  # type: ignore[arg-type]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser or has_role(request.user, Role.OPERATIONS):
            return ()
        return ("staff", "managers")

    @admin.display(description=gettext_lazy("员工"))
    def staff_link(self, obj: Merchant) -> str:
        url = reverse("admin:catalog_merchant_staff", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("管理员工"))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:merchant_id>/staff/",
                self.admin_site.admin_view(self.staff_view),
                name="catalog_merchant_staff",
            ),
            *super().get_urls(),
        ]

    def staff_view(self, request: HttpRequest, merchant_id: int) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        merchant = self.get_queryset(request).filter(pk=merchant_id).first()
        if merchant is None:
            raise Http404(gettext("商家不存在"))
        can_manage = staff.can_manage_staff(merchant=merchant, actor=user)
        form = MerchantStaffForm(request.POST or None)
        if request.method == "POST" and not can_manage:
            raise PermissionDenied
        if request.method == "POST":
            try:
                if "remove" in request.POST:
                    member = merchant.staff.filter(pk=request.POST["remove"]).first()
                    if member is None:
                        raise Http404(gettext("员工不存在"))
                    staff.merchant_staff_remove(merchant=merchant, actor=user, user=member)
                    self.message_user(request, gettext("已移除 %s") % member.username)
                    return redirect(request.path)
                if form.is_valid():
                    created = staff.merchant_staff_add(
                        merchant=merchant, actor=user, **form.cleaned_data
                    )
                    self.message_user(request, gettext("已添加员工 %s") % created.username)
                    return redirect(request.path)
            except DomainError as error:
                add_domain_error(form, error)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("%s 的员工") % merchant.name,
            "merchant": merchant,
            "members": merchant.staff.order_by("username"),
            "managers": set(merchant.managers.values_list("pk", flat=True)),
            "form": form,
            "can_manage": can_manage,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/catalog/merchant_staff.html", context)


class MerchantStaffForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    display_name = forms.CharField(label=gettext_lazy("姓名"), max_length=64, required=False)
    phone = forms.CharField(label=gettext_lazy("手机号"), max_length=20, required=False)
    password = forms.CharField(
        label=gettext_lazy("初始密码"), widget=forms.PasswordInput(render_value=False)
    )


class SupplyDecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("处理"),
        choices=[
            ("", "—"),
            ("approve", gettext_lazy("通过 / 恢复合作")),
            ("reject", gettext_lazy("拒绝")),
            ("suspend", gettext_lazy("暂停合作")),
        ],
        required=False,
    )

    class Meta:
        model = SupplyAgreement
        fields = ("decision", "commission_rate", "decision_reason")


@admin.register(SupplyAgreement)
class SupplyAgreementAdmin(admin.ModelAdmin):
    """Merchants decide which leaders sell their goods and at what commission."""

    form = SupplyDecisionForm
    list_display = ("leader", "merchant", "status", "commission_rate", "created_at", "decided_at")
    list_filter = ("status", ("merchant", admin.RelatedOnlyFieldListFilter))
    search_fields = ("leader__username", "leader__display_name", "leader__phone")
    list_select_related = ("leader", "merchant")
    readonly_fields = ("merchant", "leader", "status", "note", "decided_by", "decided_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[SupplyAgreement]:
        visible = merchants_visible_to(request.user)  # type: ignore[arg-type]
        return SupplyAgreement.objects.filter(merchant__in=visible)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # leaders apply from their pages

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: SupplyAgreement, form: Any, change: bool
    ) -> None:
        actor: User = request.user  # type: ignore[assignment]
        decision = form.cleaned_data.get("decision")
        reason = form.cleaned_data.get("decision_reason", "")
        try:
            if decision == "approve":
                supply.supply_approve(
                    agreement=obj,
                    actor=actor,
                    commission_rate=form.cleaned_data["commission_rate"],
                    reason=reason,
                )
            elif decision == "reject":
                supply.supply_reject(agreement=obj, actor=actor, reason=reason)
            elif decision == "suspend":
                supply.supply_suspend(agreement=obj, actor=actor, reason=reason)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)


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
