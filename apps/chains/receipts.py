"""The receipt's address: signed, so that knowing one order's link reveals no other order.

The order page builds it for the member, reminders put it into messages, and the receipt page
reads it back; it lives here so that reminders need not import the pages."""

from django.core import signing
from django.urls import reverse

from apps.chains.models import ChainEntry

RECEIPT_SALT = "chains.receipt"


def receipt_url(entry: ChainEntry) -> str:
    ref = signing.Signer(salt=RECEIPT_SALT).sign(str(entry.order_id))
    return reverse("chains:receipt", kwargs={"ref": ref})


def receipt_order_id(ref: str) -> int:
    """The order a receipt reference names; signing.BadSignature or ValueError if forged."""
    return int(signing.Signer(salt=RECEIPT_SALT).unsign(ref))
