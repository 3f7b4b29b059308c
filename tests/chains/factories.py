"""A ready-to-order chain: a leader who owns the community and sells for the SKUs' merchant."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.accounts.models import User
from apps.catalog.models import SKU, SupplyAgreement
from apps.chains.models import Chain, ChainItem, PickupPoint
from apps.chains.services import ChainDetails, ItemSpec, chain_create, chain_open
from apps.communities.models import Community
from tests.catalog.factories import MerchantFactory, ProductFactory, SKUFactory
from tests.communities.factories import CommunityFactory


@dataclass
class ChainSetup:
    chain: Chain
    leader: User
    community: Community
    skus: list[SKU]
    items: list[ChainItem]
    pickup_points: list[PickupPoint]


def open_chain(
    *,
    caps: tuple[int, ...] = (50,),
    stock: int = 100,
    price: Decimal = Decimal("29.90"),
    per_person_limit: int | None = None,
    min_group_size: int | None = None,
    open_now: bool = True,
    fulfilment: str = Chain.Fulfilment.PICKUP,
) -> ChainSetup:
    community = CommunityFactory()
    leader = community.owner
    merchant = MerchantFactory()
    SupplyAgreement.objects.create(
        merchant=merchant, leader=leader, status=SupplyAgreement.Status.APPROVED
    )
    skus = [SKUFactory(product=ProductFactory(merchant=merchant), stock=stock) for _ in caps]
    points = [
        PickupPoint.objects.create(community=community, name="东门超市", address="幸福小区东门"),
        PickupPoint.objects.create(community=community, name="3号楼", address="幸福小区3号楼下"),
    ]
    chain = chain_create(
        leader=leader,
        community=community,
        details=ChainDetails(
            title="周末水果接龙",
            description="产地直发",
            closes_at=timezone.now() + timedelta(days=1),
            min_group_size=min_group_size,
            fulfilment=fulfilment,
        ),
        items=[
            ItemSpec(sku=sku, group_price=price, stock_cap=cap, per_person_limit=per_person_limit)
            for sku, cap in zip(skus, caps, strict=True)
        ],
        pickup_points=points,
    )
    if open_now:
        chain = chain_open(chain=chain, actor=leader)
    return ChainSetup(
        chain=chain,
        leader=leader,
        community=community,
        skus=skus,
        items=list(chain.items.order_by("pk")),
        pickup_points=points,
    )
