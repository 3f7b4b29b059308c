"""How a notification leaves the system: a sender per channel."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.module_loading import import_string

from apps.notifications.models import Notification


class UndeliverableError(Exception):
    """The recipient cannot be reached on this channel; retrying will not help."""


def render(notification: Notification) -> tuple[str, str]:
    """Subject (the template's first line) and body."""
    text = render_to_string(f"notifications/{notification.template}.txt", notification.context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip()


def send_email(notification: Notification) -> None:
    recipient = notification.recipient
    address = notification.address or (recipient.email if recipient else "")
    if not address:
        raise UndeliverableError("接收人没有邮箱地址")
    subject, body = render(notification)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)


def send_sms(notification: Notification) -> None:
    """Through the SMS backend in settings (SMS_BACKEND); an SMS is the body alone."""
    recipient = notification.recipient
    phone = notification.address or (recipient.phone if recipient else None) or ""
    if not phone:
        raise UndeliverableError("接收人没有手机号")
    _, body = render(notification)
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(phone=phone, text=body)


SENDERS = {Notification.Channel.EMAIL: send_email, Notification.Channel.SMS: send_sms}
