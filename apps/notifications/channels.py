"""How notifications leave the system: a sender per channel, each taking a batch of rows.

A sender answers, per row id, "" when the channel accepted the message, or an error text; an
UndeliverableError in the answer means retrying will not help (no address, no template).
"""

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template import Context
from django.template.loader import get_template
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from apps.notifications import links, wechat
from apps.notifications.errors import UndeliverableError
from apps.notifications.models import Notification

Outcome = dict[int, str | UndeliverableError]

__all__ = ["SENDERS", "UndeliverableError", "reachable", "render"]


def render(notification: Notification) -> tuple[str, str]:
    """Subject (the template's first line) and body. Every marketing message ends with its
    one-click unsubscribe link."""
    # Plain text: no HTML escaping ("&" in a title or a link stays "&").
    template = get_template(f"notifications/{notification.template}.txt")
    text = cast(Any, template).template.render(Context(notification.context, autoescape=False))
    subject, _, body = text.strip().partition("\n")
    body = body.strip()
    if notification.kind == Notification.Kind.MARKETING and notification.recipient_id:
        body += "\n" + gettext("退订营销消息：%(url)s") % {
            "url": links.unsubscribe_url(user_id=notification.recipient_id)
        }
    return subject.strip(), body


def reachable(notification: Notification, channel: str) -> bool:
    """Whether the row's recipient has an address on this channel."""
    recipient = notification.recipient
    if channel == Notification.Channel.EMAIL:
        return bool(notification.address or (recipient and recipient.email))
    if channel == Notification.Channel.SMS:
        return bool(notification.address or (recipient and recipient.phone))
    return bool(
        recipient and recipient.wechat_openid and wechat.template_for(notification.template)
    )


def send_email(notifications: Sequence[Notification]) -> Outcome:
    """Over one SMTP connection for the whole batch."""
    outcome: Outcome = {}
    messages: list[tuple[Notification, EmailMessage]] = []
    for notification in notifications:
        recipient = notification.recipient
        address = notification.address or (recipient.email if recipient else "")
        if not address:
            outcome[notification.pk] = UndeliverableError("接收人没有邮箱地址")
            continue
        subject, body = render(notification)
        headers = {}
        if notification.kind == Notification.Kind.MARKETING and notification.recipient_id:
            # RFC 8058 one-click unsubscribe for mail clients that show a button.
            url = links.unsubscribe_url(user_id=notification.recipient_id)
            headers["List-Unsubscribe"] = f"<{url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message = EmailMessage(
            subject, body, settings.DEFAULT_FROM_EMAIL, [address], headers=headers
        )
        messages.append((notification, message))
    if not messages:
        return outcome
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
        for notification, message in messages:
            try:
                connection.send_messages([message])
            except Exception as error:
                outcome[notification.pk] = str(error)[:500] or error.__class__.__name__
            else:
                outcome[notification.pk] = ""
    except Exception as error:  # the server refused the connection: every row retries
        for notification, _message in messages:
            outcome.setdefault(notification.pk, str(error)[:500] or error.__class__.__name__)
    finally:
        connection.close()
    return outcome


def send_sms(notifications: Sequence[Notification]) -> Outcome:
    """Rows of one template and context go to the backend as one batch (a provider call per
    200 numbers); each text differs only by the member's own unsubscribe link."""
    outcome: Outcome = {}
    groups: dict[tuple[str, str], list[tuple[str, str, Notification]]] = defaultdict(list)
    for notification in notifications:
        recipient = notification.recipient
        phone = notification.address or (recipient.phone if recipient else None) or ""
        if not phone:
            outcome[notification.pk] = UndeliverableError("接收人没有手机号")
            continue
        _, body = render(notification)
        context = json.dumps(notification.context, sort_keys=True, ensure_ascii=False)
        groups[(notification.template, context)].append((phone, body, notification))
    backend = import_string(settings.SMS_BACKEND)()
    for (template, _context), rows in groups.items():
        messages = list({phone: (phone, body) for phone, body, _ in rows}.values())
        phones = [phone for phone, _ in messages]
        results: dict[str, str | UndeliverableError]
        try:
            results = dict(
                backend.send_batch(messages=messages, template=template, context=rows[0][2].context)
            )
        except UndeliverableError as error:
            results = dict.fromkeys(phones, error)
        except Exception as error:
            results = dict.fromkeys(phones, str(error)[:500] or error.__class__.__name__)
        for phone, _body, notification in rows:
            outcome[notification.pk] = results.get(phone, "短信服务没有返回结果")
    return outcome


def send_wechat(notifications: Sequence[Notification]) -> Outcome:
    """One API call per message: subscription messages have no batch endpoint."""
    outcome: Outcome = {}
    for notification in notifications:
        recipient = notification.recipient
        config = wechat.template_for(notification.template)
        if recipient is None or not recipient.wechat_openid or config is None:
            outcome[notification.pk] = UndeliverableError("接收人不能接收微信订阅消息")
            continue
        fields = config.get("fields") or {}
        data = {
            str(field): str(notification.context.get(str(key), ""))[:20]  # thing.DATA ≤ 20 chars
            for field, key in dict(fields).items()
        }
        try:
            wechat.subscribe_send(
                openid=recipient.wechat_openid,
                template_id=str(config["id"]),
                data=data,
                page=str(config.get("page", "")),
            )
        except wechat.WeChatError as error:
            outcome[notification.pk] = (
                UndeliverableError(str(error))
                if error.errcode in wechat.UNDELIVERABLE_ERRORS
                else str(error)
            )
        except Exception as error:
            outcome[notification.pk] = str(error)[:500] or error.__class__.__name__
        else:
            outcome[notification.pk] = ""
    return outcome


SENDERS: dict[str, Callable[[Sequence[Notification]], Outcome]] = {
    Notification.Channel.EMAIL: send_email,
    Notification.Channel.SMS: send_sms,
    Notification.Channel.WECHAT: send_wechat,
}
