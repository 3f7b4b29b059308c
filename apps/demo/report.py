"""What the demo commands print: the logins and where to find things."""

from collections import Counter

from apps.demo.data import CLOSED_CHAIN_SLUG, DEMO_CHAIN_SLUG, DEMO_LOGINS
from apps.demo.webhooks import webhooks_text
from apps.payments.sandbox import sandbox_enabled


def created_text(created: Counter[str]) -> str:
    if not created:
        return "演示数据已存在，没有改动。"
    return "演示数据已加载：" + "，".join(f"{name} {count}" for name, count in created.items())


def logins_text() -> str:
    lines = ["演示账号（仅限本地演示）："]
    width = max(len(login.username) for login in DEMO_LOGINS)
    for login in DEMO_LOGINS:
        lines.append(f"  {login.username:<{width}}  密码 {login.password:<14}  {login.role}")
    lines.append("  成员手机号 13800130001–13800130030（按手机号接龙下单，无需登录）")
    return "\n".join(lines)


def urls_text(base_url: str) -> str:
    base = base_url.rstrip("/")
    rows = [
        ("网站首页", "/"),
        ("管理后台", "/admin/"),
        ("进行中的接龙", f"/c/{DEMO_CHAIN_SLUG}/"),
        ("已截单的接龙", f"/c/{CLOSED_CHAIN_SLUG}/"),
        ("团长接龙管理（leader 登录）", "/leader/chains/"),
        ("API 文档", "/api/docs/"),
        ("健康检查", "/healthz"),
    ]
    lines = [f"  {label}: {base}{path}" for label, path in rows]
    if sandbox_enabled():
        lines.append("  支付沙箱已开启：接龙下单后在订单页点「微信支付」即可模拟付款（不扣款）")
    lines.append(webhooks_text(base))
    return "\n".join(lines)
