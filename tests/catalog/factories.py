from decimal import Decimal

import factory

from apps.catalog.models import SKU, Merchant, Product


class MerchantFactory(factory.django.DjangoModelFactory[Merchant]):
    class Meta:
        model = Merchant
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"鲜果商行{n}")


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    merchant = factory.SubFactory(MerchantFactory)
    title = factory.Sequence(lambda n: f"烟台红富士苹果{n}")
    kind = Product.Kind.GOODS


class SKUFactory(factory.django.DjangoModelFactory[SKU]):
    class Meta:
        model = SKU

    product = factory.SubFactory(ProductFactory)
    spec = "5斤装"
    price = Decimal("39.90")
    stock = 100
    code = factory.Sequence(lambda n: f"SKU{n:06d}")
