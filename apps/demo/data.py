"""The demo: merchants, three WeChat groups, their people and two order chains.

Every object is found by a natural key before it is created (usernames, merchant names, product
titles within a merchant, SKU codes, community names with their owner, pickup-point names, chain
slugs and each demo order's submission token), so loading again creates nothing and moves no
stock. Writes go through the services, so stock movements, order logs and analytics events are
the real ones. Figures follow the field guide: chain orders of 50–200 元.

The passwords are for a local demo only; `manage.py quickstart` prints them.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.catalog.models import SKU, Merchant, Product, SupplyAgreement
from apps.catalog.services import sku_create
from apps.catalog.supply import supply_apply, supply_approve
from apps.chains.models import Chain, ChainEntry, PickupPoint
from apps.chains.services import (
    ChainDetails,
    ItemSpec,
    chain_close,
    chain_create,
    chain_item_member_price_set,
    chain_open,
    chain_order_place,
)
from apps.communities.models import Community, Membership
from apps.communities.services import community_create, community_member_add
from apps.demo.ads import demo_ads_load
from apps.demo.analytics import demo_analytics_load
from apps.demo.courses import demo_course_load
from apps.demo.distribution import demo_distribution_load
from apps.demo.reminders import demo_reminders_load
from apps.demo.webhooks import demo_webhooks_load
from apps.memberships.models import MembershipPlan, Period, Subscription
from apps.memberships.services import PlanTerms, membership_order_create, plan_create
from apps.orders.models import Order
from apps.orders.services import (
    order_cancel,
    order_complete,
    order_mark_ready,
    order_refund,
)
from apps.payments.services import payment_record_offline

DEMO_CHAIN_SLUG = "demo"
CLOSED_CHAIN_SLUG = "demo-closed"
GROUP_BUY_COMMUNITY = "幸福里小区团购群"
OPEN_CHAIN_DAYS = 7

S = Order.Status


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    display_name: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False
    groups: tuple[str, ...] = ()
    phone: str | None = None


# Local demo passwords, printed on purpose: never load the demo into a production database.
DEMO_LOGINS = (
    DemoLogin(
        username="admin",
        password="admin-demo",  # noqa: S106
        display_name="系统管理员",
        role="超级管理员 · 管理后台全部数据",
        is_staff=True,
        is_superuser=True,
    ),
    DemoLogin(
        username="leader",
        password="leader-demo",  # noqa: S106
        display_name="王姐",
        role="团长 · 幸福里小区团购群群主，卖果然鲜和绿源的货",
        phone="13800138000",
    ),
    DemoLogin(
        username="fruit",
        password="fruit-demo",  # noqa: S106
        display_name="果然鲜·小陈",
        role="商家员工 · 果然鲜果园的商品和库存",
        is_staff=True,
        groups=(Role.MERCHANT_STAFF,),
    ),
    DemoLogin(
        username="milk",
        password="milk-demo",  # noqa: S106
        display_name="贝护母婴·小刘",
        role="商家员工 · 贝护母婴奶粉的商品和库存",
        is_staff=True,
        groups=(Role.MERCHANT_STAFF,),
    ),
    DemoLogin(
        username="finance",
        password="finance-demo",  # noqa: S106
        display_name="财务·周会计",
        role="财务",
        is_staff=True,
        groups=(Role.FINANCE,),
    ),
    DemoLogin(
        username="ops",
        password="ops-demo",  # noqa: S106
        display_name="运营·小吴",
        role="运营 · 查看全部商家",
        is_staff=True,
        groups=(Role.OPERATIONS,),
    ),
)

# Owners of the other two groups: people in the data, without a demo login.
COACH = ("coach_li", "李教练", "13800138200")
MOTHERS_LEADER = ("mama_chen", "陈姐", "13800138300")

MEMBER_NAMES = (
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄丽", "周杰", "吴婷",
    "徐强", "孙悦", "马丽华", "朱军", "胡晓梅", "郭涛", "何雪", "林峰", "高红", "罗斌",
    "郑秀英", "梁晨", "谢娟", "宋佳", "唐亮", "韩梅", "冯刚", "邓小燕", "曹宇", "彭慧",
)  # fmt: skip


def member_phone(number: int) -> str:
    return f"1380013{number:04d}"


@dataclass(frozen=True)
class SkuSpec:
    code: str
    spec: str
    price: str
    stock: int


@dataclass(frozen=True)
class ProductSpec:
    title: str
    description: str
    skus: tuple[SkuSpec, ...]


@dataclass(frozen=True)
class MerchantSpec:
    name: str
    contact_phone: str
    staff: tuple[str, ...]
    sellers: tuple[str, ...]
    products: tuple[ProductSpec, ...]


FRUIT_MERCHANT = "果然鲜果园"
VEGETABLE_MERCHANT = "绿源蔬菜基地"
MILK_MERCHANT = "贝护母婴奶粉"

MERCHANTS = (
    MerchantSpec(
        name=FRUIT_MERCHANT,
        contact_phone="13800138101",
        staff=("fruit",),
        sellers=("leader",),
        products=(
            ProductSpec(
                "烟台红富士苹果",
                "山东栖霞果园直发，果径80mm以上，脆甜多汁。",
                (
                    SkuSpec("FRUIT-APPLE-5", "5斤装", "39.90", 200),
                    SkuSpec("FRUIT-APPLE-10", "10斤装", "69.90", 120),
                ),
            ),
            ProductSpec(
                "海南贵妃芒",
                "树上自然熟，单果4-6两，到货后常温放两天更香。",
                (SkuSpec("FRUIT-MANGO-5", "5斤装", "49.90", 150),),
            ),
            ProductSpec(
                "丹东99草莓",
                "大果，冷链到家，当天吃完口感最好。",
                (SkuSpec("FRUIT-STRAWBERRY-3", "3斤装", "89.00", 80),),
            ),
            ProductSpec(
                "赣南脐橙",
                "江西信丰脐橙，皮薄汁多，坏果包赔。",
                (
                    SkuSpec("FRUIT-ORANGE-5", "5斤装", "35.80", 150),
                    SkuSpec("FRUIT-ORANGE-10", "10斤装", "62.80", 100),
                ),
            ),
        ),
    ),
    MerchantSpec(
        name=VEGETABLE_MERCHANT,
        contact_phone="13800138102",
        staff=(),
        sellers=("leader",),
        products=(
            ProductSpec(
                "时令有机蔬菜组合",
                "基地当天采摘，6种时令蔬菜约5斤，品种随季节调整。",
                (SkuSpec("VEG-COMBO-5", "约5斤装", "45.00", 100),),
            ),
            ProductSpec(
                "云南小土豆",
                "黄心小土豆，适合红烧、椒盐。",
                (SkuSpec("VEG-POTATO-5", "5斤装", "22.80", 150),),
            ),
            ProductSpec(
                "焦作铁棍山药",
                "垆土铁棍山药，粉糯，蒸着吃最好。",
                (SkuSpec("VEG-YAM-3", "3斤装", "39.90", 80),),
            ),
        ),
    ),
    MerchantSpec(
        name=MILK_MERCHANT,
        contact_phone="13800138103",
        staff=("milk",),
        sellers=("mama_chen",),
        products=(
            ProductSpec(
                "贝护婴儿配方奶粉 1段（0-6月龄）",
                "国行正品，保质期2年以上，支持扫码溯源。",
                (
                    SkuSpec("MILK-S1-800", "800克罐装", "298.00", 60),
                    SkuSpec("MILK-S1-800X2", "800克×2罐", "568.00", 30),
                ),
            ),
            ProductSpec(
                "贝护较大婴儿配方奶粉 2段（6-12月龄）",
                "国行正品，保质期2年以上，支持扫码溯源。",
                (SkuSpec("MILK-S2-800", "800克罐装", "288.00", 60),),
            ),
            ProductSpec(
                "贝护幼儿配方奶粉 3段（12-36月龄）",
                "国行正品，保质期2年以上，支持扫码溯源。",
                (SkuSpec("MILK-S3-800", "800克罐装", "268.00", 80),),
            ),
        ),
    ),
)


@dataclass(frozen=True)
class CommunitySpec:
    name: str
    kind: str
    owner: str
    description: str
    members: range  # member numbers, 1-based


COMMUNITIES = (
    CommunitySpec(
        GROUP_BUY_COMMUNITY,
        Community.Kind.GROUP_BUY,
        "leader",
        "幸福里小区业主团购群，每周二、五开团，东门便利店和3号楼大堂自提。",
        range(1, 31),
    ),
    CommunitySpec(
        "燃脂训练营·健身群",
        Community.Kind.FITNESS,
        "coach_li",
        "李教练的减脂打卡群：每日打卡、饮食建议，私教课群内报名。",
        range(1, 13),
    ),
    CommunitySpec(
        "幸福里宝妈互助群",
        Community.Kind.MOTHERS,
        "mama_chen",
        "小区宝妈交流育儿经验，奶粉、辅食、童装拼单。",
        range(10, 26),
    ),
)

PICKUP_POINTS = (
    ("东门便利店", "幸福里小区东门 好邻居便利店", "13800138000", "每天 9:00-21:00"),
    ("3号楼大堂", "幸福里小区3号楼1单元大堂（物业前台旁）", "13800138000", "到货当天 18:00-21:00"),
)

# A recipe is what one member buys: (SKU code, quantity) pairs, 50–200 元 at the group prices.
OPEN_CHAIN_ITEMS = (
    # (SKU code, group price, chain cap, per-person limit)
    ("FRUIT-APPLE-10", "59.90", 80, None),
    ("FRUIT-MANGO-5", "45.90", 60, 3),
    ("VEG-COMBO-5", "39.90", 50, None),
)
OPEN_CHAIN_RECIPES: tuple[tuple[tuple[str, int], ...], ...] = (
    (("FRUIT-APPLE-10", 1),),
    (("FRUIT-MANGO-5", 2),),
    (("FRUIT-APPLE-10", 1), ("VEG-COMBO-5", 1)),
    (("FRUIT-MANGO-5", 1), ("VEG-COMBO-5", 1)),
    (("FRUIT-APPLE-10", 2),),
    (("FRUIT-APPLE-10", 1), ("FRUIT-MANGO-5", 1), ("VEG-COMBO-5", 1)),
    (("VEG-COMBO-5", 2),),
    (("FRUIT-APPLE-10", 2), ("FRUIT-MANGO-5", 1)),
    (("FRUIT-MANGO-5", 3),),
    (("FRUIT-APPLE-10", 1), ("FRUIT-MANGO-5", 2), ("VEG-COMBO-5", 1)),
)
# The status each entry of the open chain ends in, by 接龙序号: every status is there.
OPEN_CHAIN_PLAN = (
    S.COMPLETED, S.COMPLETED, S.READY_FOR_PICKUP, S.PAID, S.COMPLETED,
    S.PARTIALLY_REFUNDED, S.READY_FOR_PICKUP, S.PAID, S.CANCELLED, S.COMPLETED,
    S.REFUNDED, S.PAID, S.READY_FOR_PICKUP, S.COMPLETED, S.PENDING_PAYMENT,
    S.PAID, S.PARTIALLY_REFUNDED, S.READY_FOR_PICKUP, S.CANCELLED, S.COMPLETED,
    S.PAID, S.REFUNDED, S.PENDING_PAYMENT, S.READY_FOR_PICKUP, S.PAID,
    S.PENDING_PAYMENT, S.REFUNDED, S.CANCELLED, S.PENDING_PAYMENT, S.PENDING_PAYMENT,
)  # fmt: skip

# (name, period, price, trial days, benefits): 会员 of the group-buy group.
MEMBERSHIP_PLANS = (
    ("月度会员", Period.MONTH, "19.90", 7, "接龙会员价，每月一张会员券，新品优先购"),
    ("年度会员", Period.YEAR, "199.00", 0, "全年接龙会员价，相当于每月 16.6 元"),
)
MEMBER_PRICED_ITEM = ("FRUIT-APPLE-10", "54.90")  # 会员价 on the open chain's apples (59.90)
DEMO_SUBSCRIBER = "member01"

CLOSED_CHAIN_ITEMS = (
    ("FRUIT-STRAWBERRY-3", "79.90", 40, 2),
    ("FRUIT-ORANGE-10", "55.80", 40, None),
)
CLOSED_CHAIN_RECIPES: tuple[tuple[tuple[str, int], ...], ...] = (
    (("FRUIT-STRAWBERRY-3", 1),),
    (("FRUIT-ORANGE-10", 1),),
    (("FRUIT-STRAWBERRY-3", 1), ("FRUIT-ORANGE-10", 1)),
    (("FRUIT-STRAWBERRY-3", 2),),
    (("FRUIT-ORANGE-10", 2),),
)
CLOSED_CHAIN_PLAN = (
    S.COMPLETED, S.COMPLETED, S.COMPLETED, S.READY_FOR_PICKUP, S.COMPLETED, S.CANCELLED,
    S.COMPLETED, S.REFUNDED, S.COMPLETED, S.READY_FOR_PICKUP, S.COMPLETED, S.COMPLETED,
)  # fmt: skip
CLOSED_CHAIN_FIRST_MEMBER = 13

NOTES = ("", "", "晚上7点后来取", "", "帮邻居带一份", "", "芒果要熟一点的", "")


@dataclass
class DemoData:
    users: dict[str, User]
    communities: dict[str, Community]
    open_chain: Chain
    closed_chain: Chain
    created: Counter[str] = field(default_factory=Counter)


@transaction.atomic
def demo_data_load() -> DemoData:
    """Load the demo, or find it loaded: all or nothing, and nothing the second time."""
    builder = _DemoBuilder()
    return builder.load()


class _DemoBuilder:
    def __init__(self) -> None:
        self.created: Counter[str] = Counter()
        self.users: dict[str, User] = {}
        self.skus: dict[str, SKU] = {}

    def load(self) -> DemoData:
        self._people()
        for spec in MERCHANTS:
            self._merchant(spec)
        communities = {spec.kind: self._community(spec) for spec in COMMUNITIES}
        group_buy = communities[Community.Kind.GROUP_BUY]
        points = [self._pickup_point(group_buy, *point) for point in PICKUP_POINTS]
        open_chain = self._open_chain(group_buy, points)
        closed_chain = self._closed_chain(group_buy, points)
        self._memberships(group_buy, open_chain)
        demo_distribution_load(
            community=group_buy,
            chain=open_chain,
            leader=self.users["leader"],
            distributor_user=self.users["member05"],
            buyer=self.users["member12"],
            created=self.created,
        )
        demo_course_load(
            community=communities[Community.Kind.FITNESS],
            coach=self.users[COACH[0]],
            created=self.created,
        )
        demo_ads_load(
            mothers=communities[Community.Kind.MOTHERS],
            brand_user=self.users["milk"],
            operator=self.users["ops"],
            buyer=self.users["member15"],
            created=self.created,
        )
        demo_analytics_load(chains=[open_chain, closed_chain], created=self.created)
        demo_webhooks_load(community=group_buy, leader=self.users["leader"], created=self.created)
        demo_reminders_load(
            community=group_buy,
            leader=self.users["leader"],
            like=open_chain,
            points=points,
            viewers=[self.users[f"member{number:02d}"] for number in range(16, 31)],
            created=self.created,
        )
        return DemoData(
            users=self.users,
            communities=communities,
            open_chain=open_chain,
            closed_chain=closed_chain,
            created=self.created,
        )

    # --- people ----------------------------------------------------------------------------

    def _people(self) -> None:
        for login in DEMO_LOGINS:
            self.users[login.username] = self._login_user(login)
        for username, display_name, phone in (COACH, MOTHERS_LEADER):
            self.users[username] = self._user(
                username=username, display_name=display_name, phone=phone
            )
        for number, name in enumerate(MEMBER_NAMES, start=1):
            username = f"member{number:02d}"
            self.users[username] = self._user(
                username=username, display_name=name, phone=member_phone(number)
            )

    def _user(self, *, username: str, display_name: str, phone: str | None) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, display_name=display_name, phone=phone)
            user.set_unusable_password()  # members order by phone; they need no password
            user.save()
            self.created["users"] += 1
        return user

    def _login_user(self, login: DemoLogin) -> User:
        """A demo login always works as printed, even after someone changed it."""
        user = User.objects.filter(username=login.username).first()
        if user is None:
            user = User(
                username=login.username,
                display_name=login.display_name,
                phone=login.phone,
                is_staff=login.is_staff,
                is_superuser=login.is_superuser,
            )
            user.set_password(login.password)
            user.save()
            self.created["users"] += 1
        else:
            wanted = {
                "is_active": True,
                "is_staff": login.is_staff,
                "is_superuser": login.is_superuser,
            }
            changed = [name for name, value in wanted.items() if getattr(user, name) != value]
            for name in changed:
                setattr(user, name, wanted[name])
            if not user.check_password(login.password):
                user.set_password(login.password)
                changed.append("password")
            if changed:
                user.save(update_fields=changed)
                self.created["demo logins reset"] += 1
        for role in login.groups:
            group, _ = Group.objects.get_or_create(name=role)
            user.groups.add(group)
        return user

    # --- merchants and their goods ---------------------------------------------------------

    def _merchant(self, spec: MerchantSpec) -> Merchant:
        merchant, created = Merchant.objects.get_or_create(
            name=spec.name, defaults={"contact_phone": spec.contact_phone}
        )
        if created:
            self.created["merchants"] += 1
        merchant.staff.add(*(self.users[name] for name in spec.staff))
        actor = self.users[spec.staff[0]] if spec.staff else self.users["admin"]
        if spec.staff:
            merchant.managers.add(actor)  # the merchant's first account keeps its team
        for name in spec.sellers:
            self._supplied(merchant, self.users[name])
        for product_spec in spec.products:
            product = Product.objects.filter(merchant=merchant, title=product_spec.title).first()
            if product is None:
                product = Product.objects.create(
                    merchant=merchant,
                    title=product_spec.title,
                    description=product_spec.description,
                    kind=Product.Kind.GOODS,
                )
                self.created["products"] += 1
            for sku_spec in product_spec.skus:
                self.skus[sku_spec.code] = self._sku(product, sku_spec, actor=actor)
        return merchant

    def _sku(self, product: Product, spec: SkuSpec, *, actor: User) -> SKU:
        sku = SKU.objects.filter(code=spec.code).first()
        if sku is None:
            sku = sku_create(
                product=product,
                spec=spec.spec,
                price=Decimal(spec.price),
                code=spec.code,
                stock=spec.stock,
                actor=actor,
            )
            self.created["skus"] += 1
        return sku

    def _supplied(self, merchant: Merchant, leader: User) -> None:
        """The leader applied to the merchant and the merchant approved, as on the real pages."""
        leader.groups.add(Group.objects.get(name=Role.LEADER))
        if SupplyAgreement.objects.filter(merchant=merchant, leader=leader).exists():
            return
        agreement = supply_apply(merchant=merchant, leader=leader, note="小区团购，长期合作")
        supply_approve(
            agreement=agreement,
            actor=self.users["admin"],
            commission_rate=Decimal("8.00"),
            reason="欢迎合作",
        )

    # --- groups --------------------------------------------------------------------------

    def _community(self, spec: CommunitySpec) -> Community:
        owner = self.users[spec.owner]
        # Owners of the demo groups are approved leaders (团长), as the application flow makes them.
        owner.groups.add(Group.objects.get(name=Role.LEADER))
        community = Community.objects.filter(owner=owner, name=spec.name).first()
        if community is None:
            community = community_create(
                owner=owner, name=spec.name, kind=spec.kind, description=spec.description
            )
            self.created["communities"] += 1
        for number in spec.members:
            member = self.users[f"member{number:02d}"]
            if Membership.objects.filter(community=community, user=member).exists():
                continue
            nickname = (
                f"{_room(number)} {member.display_name}"
                if spec.kind == Community.Kind.GROUP_BUY
                else member.display_name
            )
            community_member_add(community=community, user=member, nickname=nickname)
            self.created["memberships"] += 1
        return community

    def _pickup_point(
        self, community: Community, name: str, address: str, contact: str, opening_hours: str
    ) -> PickupPoint:
        point, created = PickupPoint.objects.get_or_create(
            community=community,
            name=name,
            defaults={"address": address, "contact": contact, "opening_hours": opening_hours},
        )
        if created:
            self.created["pickup points"] += 1
        return point

    # --- chains --------------------------------------------------------------------------

    def _open_chain(self, community: Community, points: list[PickupPoint]) -> Chain:
        chain = self._chain(
            slug=DEMO_CHAIN_SLUG,
            community=community,
            points=points,
            items=OPEN_CHAIN_ITEMS,
            details=ChainDetails(
                title="【幸福里】周五水果蔬菜接龙：红富士 · 贵妃芒 · 有机蔬菜",
                description=(
                    "产地直发，周六下午到货，到货后群里通知自提。\n"
                    "坏果拍照找团长，包赔。芒果每人限购3份。"
                ),
                closes_at=timezone.now() + timedelta(days=OPEN_CHAIN_DAYS),
            ),
        )
        self._entries(
            chain, points, plan=OPEN_CHAIN_PLAN, recipes=OPEN_CHAIN_RECIPES, first_member=1
        )
        return chain

    def _closed_chain(self, community: Community, points: list[PickupPoint]) -> Chain:
        chain = self._chain(
            slug=CLOSED_CHAIN_SLUG,
            community=community,
            points=points,
            items=CLOSED_CHAIN_ITEMS,
            details=ChainDetails(
                title="【幸福里】周二草莓脐橙接龙：丹东99草莓 · 赣南脐橙",
                description="冷链直达，草莓每人限购2份。已截单，按序号到自提点取货。",
                closes_at=timezone.now() + timedelta(days=1),
            ),
        )
        if chain.status != Chain.Status.OPEN:
            return chain  # closed on an earlier load: its entries are all there
        placed = self._entries(
            chain,
            points,
            plan=CLOSED_CHAIN_PLAN,
            recipes=CLOSED_CHAIN_RECIPES,
            first_member=CLOSED_CHAIN_FIRST_MEMBER,
            before_close=True,
        )
        # The leader closed it early (sold well); goods were then handed out.
        chain = chain_close(chain=chain, actor=self.users["leader"])
        for entry, target in placed:
            self._advance_after_close(entry.order, target)
        return chain

    def _chain(
        self,
        *,
        slug: str,
        community: Community,
        points: list[PickupPoint],
        items: tuple[tuple[str, str, int, int | None], ...],
        details: ChainDetails,
    ) -> Chain:
        chain = Chain.objects.filter(slug=slug).first()
        if chain is not None:
            return chain
        leader = self.users["leader"]
        chain = chain_create(
            leader=leader,
            community=community,
            details=details,
            items=[
                ItemSpec(
                    sku=self.skus[code],
                    group_price=Decimal(price),
                    stock_cap=cap,
                    per_person_limit=limit,
                )
                for code, price, cap, limit in items
            ],
            pickup_points=points,
        )
        # The service draws a random slug; the demo pins a memorable one for its printed link.
        chain.slug = slug
        chain.save(update_fields=["slug"])
        self.created["chains"] += 1
        return chain_open(chain=chain, actor=leader)

    # --- paid memberships ----------------------------------------------------------------

    def _memberships(self, community: Community, chain: Chain) -> None:
        """A monthly (with a trial) and a yearly plan, a member price on the open chain, and one
        member who bought the monthly plan (paid to the leader)."""
        leader = self.users["leader"]
        plans = {}
        for name, period, price, trial_days, benefits in MEMBERSHIP_PLANS:
            plan = MembershipPlan.objects.filter(community=community, name=name).first()
            if plan is None:
                plan = plan_create(
                    community=community,
                    actor=leader,
                    period=period,
                    terms=PlanTerms(
                        name=name, price=Decimal(price), benefits=benefits, trial_days=trial_days
                    ),
                )
                self.created["membership plans"] += 1
            plans[period] = plan
        code, member_price = MEMBER_PRICED_ITEM
        item = chain.items.select_related("chain").get(sku__code=code)
        if item.member_price is None:
            chain_item_member_price_set(item=item, actor=leader, member_price=Decimal(member_price))
        member = self.users[DEMO_SUBSCRIBER]
        monthly = plans[Period.MONTH]
        if not Subscription.objects.filter(plan=monthly, user=member).exists():
            order = membership_order_create(plan=monthly, buyer=member)
            payment_record_offline(order=order, actor=leader, method="wechat")
            self.created["subscriptions"] += 1

    def _entries(
        self,
        chain: Chain,
        points: list[PickupPoint],
        *,
        plan: tuple[Order.Status, ...],
        recipes: tuple[tuple[tuple[str, int], ...], ...],
        first_member: int,
        before_close: bool = False,
    ) -> list[tuple[ChainEntry, Order.Status]]:
        """Place the plan's orders that are not there yet, each under its own submission token,
        and move each to its status (before a close: only as far as payment)."""
        item_ids = {item.sku.code: item.pk for item in chain.items.select_related("sku")}
        placed = []
        for index, target in enumerate(plan):
            token = f"demo:{chain.slug}:{index + 1}"
            if Order.objects.filter(submission_token=token).exists():
                continue
            member = self.users[f"member{first_member + index:02d}"]
            entry = chain_order_place(
                chain=chain,
                buyer=member,
                contact_name=member.display_name,
                contact_phone=member.phone or "",
                quantities={item_ids[code]: qty for code, qty in recipes[index % len(recipes)]},
                pickup_point=points[index % len(points)],
                submission_token=token,
                note=NOTES[index % len(NOTES)],
            )
            self.created["orders"] += 1
            self._advance_before_close(entry.order, target)
            if not before_close:
                self._advance_after_close(entry.order, target)
            placed.append((entry, target))
        return placed

    def _advance_before_close(self, order: Order, target: Order.Status) -> None:
        leader = self.users["leader"]
        if target == S.PENDING_PAYMENT:
            return
        if target == S.CANCELLED:
            order_cancel(order=order, actor=leader, reason="成员说买重了，取消后重新下单")
            return
        method = "cash" if order.pk % 4 == 0 else "wechat"
        payment_record_offline(order=order, actor=leader, method=method)

    def _advance_after_close(self, order: Order, target: Order.Status) -> None:
        leader = self.users["leader"]
        if target in (S.READY_FOR_PICKUP, S.COMPLETED):
            order_mark_ready(order=order, actor=leader)
        if target == S.COMPLETED:
            order_complete(order=order, actor=leader)
        if target == S.PARTIALLY_REFUNDED:
            line = order.lines.order_by("-quantity", "pk")[0]
            order_refund(
                order=order,
                actor=leader,
                reason=f"{line.title} 有一份磕碰，退这一份",
                quantities={line.pk: 1},
            )
        if target == S.REFUNDED:
            order_refund(
                order=order, actor=leader, reason="临时出差取不了货，全额退款", restock=True
            )


def _room(number: int) -> str:
    """A 小区 nickname prefix: building-unit-room, as group-buy members name themselves."""
    building = 1 + number % 8
    unit = 1 + number % 2
    floor = 2 + (number * 7) % 17
    return f"{building}-{unit}-{floor}0{1 + number % 4}"
