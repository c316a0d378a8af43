"""The seams between billing and the apps that sell things (events, giving, shop).

``payment_succeeded(sender=Payment, payment=…)`` is sent exactly once per payment, inside the
database transaction that moves it to *succeeded*: a receiver's writes (crediting a donation,
confirming a ticket) commit or roll back together with the payment's state, so a crash between
"paid" and "credited" cannot happen. A receiver that raises makes the webhook fail and the provider
retry; receivers that talk to the outside world (messages, PDFs) must use
``transaction.on_commit``. Receivers filter on ``payment.purpose`` and find their object by
``payment.purpose_id``.

``payment_refunded(sender=Payment, payment=…, refund=…)`` is sent once per refund when the
provider confirms it, inside the transaction that records it (same rules).


``payment_admin_action(sender, actor, action, summary, payment, before=…, after=…)`` is sent for
every admin write in billing (refunds, credentials) so the school's audit log (which lives in
alumni.core, above billing) records it.
"""

from django.dispatch import Signal

payment_succeeded = Signal()
payment_refunded = Signal()
payment_admin_action = Signal()
