from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


def MoneyField(verbose_name: "str | StrPromise", **kwargs: Any) -> models.DecimalField:
    """CNY with two places, as every amount in this project is stored."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)
