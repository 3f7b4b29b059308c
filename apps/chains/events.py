"""Signals chains publish; apps above (webhooks) subscribe in their AppConfig.ready().

Sent with `chain=` and `actor=` (None when beat closes a chain at its deadline), inside the
transaction of the change: receivers defer anything slow or remote with transaction.on_commit.
"""

from django.dispatch import Signal

chain_opened = Signal()
chain_closed = Signal()
