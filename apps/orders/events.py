"""The domain events orders publish. Apps above orders subscribe in their AppConfig.ready().

Receivers run inside the transaction of the change, so what they write commits or rolls back with
it; anything slow or remote they must defer with transaction.on_commit.

Each is sent with `order=` and `actor=`; order_refunded also with `refund=` and `restocked=`
(a list of (OrderLine, quantity) put back in stock); order_cancelled with `lines=` released.
"""

from django.dispatch import Signal

order_placed = Signal()
order_paid = Signal()
order_cancelled = Signal()
order_refunded = Signal()
order_completed = Signal()
