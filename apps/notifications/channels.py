"""How a notification leaves the system. Email now; other channels add a sender here."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from apps.notifications.models import Notification


class UndeliverableError(Exception):
    """The recipient cannot be reached on this channel; retrying will not help."""


def render(notification: Notification) -> tuple[str, str]:
    """Subject (the template's first line) and body."""
    text = render_to_string(f"notifications/{notification.template}.txt", notification.context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip()


def send_email(notification: Notification) -> None:
    address = notification.recipient.email
    if not address:
        raise UndeliverableError("接收人没有邮箱地址")
    subject, body = render(notification)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)


SENDERS = {Notification.Channel.EMAIL: send_email}
