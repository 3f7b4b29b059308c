"""The demo's open API: the group-buy community has a webhook subscription to a receiver on this
machine (http://127.0.0.1:8765/, `manage.py webhook_receiver`) and a bot token with a fixed,
printed value. Both are for a local demo only, like the demo passwords. Found by their natural
keys (URL and community; the token's hash), so loading twice creates nothing.

Sending to 127.0.0.1 needs WEBHOOKS_ALLOW_PRIVATE_URLS=1 (never in production): without it every
attempt is refused and logged, which the delivery log shows, too.
"""

from collections import Counter

from apps.accounts.models import User
from apps.communities.models import Community
from apps.webhooks.models import BotToken, EventType, WebhookSubscription
from apps.webhooks.services import bot_token_hash

DEMO_RECEIVER_PORT = 8765
DEMO_WEBHOOK_URL = f"http://127.0.0.1:{DEMO_RECEIVER_PORT}/webhooks"
# Local demo values, printed on purpose: never load the demo into a production database.
DEMO_WEBHOOK_SECRET = "whsec_demo_local_only"  # noqa: S105
DEMO_BOT_TOKEN = "tgb_demo_local_only_bot_token"  # noqa: S105


def demo_webhooks_load(*, community: Community, leader: User, created: Counter[str]) -> None:
    # Written directly, not through subscription_create: the service (rightly) refuses a
    # loopback URL unless the development setting is on, and the demo loads either way.
    if not WebhookSubscription.objects.filter(community=community, url=DEMO_WEBHOOK_URL).exists():
        WebhookSubscription.objects.create(
            community=community,
            url=DEMO_WEBHOOK_URL,
            description="演示：uv run manage.py webhook_receiver --port 8765",
            secret=DEMO_WEBHOOK_SECRET,
            event_types=sorted(EventType.values),
            created_by=leader,
        )
        created["webhook subscriptions"] += 1
    key_hash = bot_token_hash(DEMO_BOT_TOKEN)
    if not BotToken.objects.filter(key_hash=key_hash).exists():
        BotToken.objects.create(
            community=community,
            name="演示机器人",
            prefix=DEMO_BOT_TOKEN[:10],
            key_hash=key_hash,
            created_by=leader,
        )
        created["bot tokens"] += 1


def webhooks_text(base_url: str) -> str:
    base = base_url.rstrip("/")
    return "\n".join(
        [
            "开放接口（本地演示）：",
            f"  1. 另开终端运行 uv run manage.py webhook_receiver --port {DEMO_RECEIVER_PORT}"
            "（打印收到的事件并校验签名）",
            "  2. 以 WEBHOOKS_ALLOW_PRIVATE_URLS=1 启动 quickstart（允许发往 127.0.0.1，仅限开发）",
            "  3. leader 登录后在接龙管理里把一笔订单标记为已付款，接收端即收到签名的 order.paid；"
            f"订阅与投递记录：{base}/leader/webhooks/",
            f'  机器人令牌：curl -H "Authorization: Bearer {DEMO_BOT_TOKEN}" '
            f"{base}/api/v1/bot/chains/",
        ]
    )
