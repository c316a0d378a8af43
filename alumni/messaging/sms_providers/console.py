"""The development SMS backend: nothing leaves the machine.

Each message is written to the log and to a file under ``settings.SMS_OUTBOX_DIR/<schema>/``
(one file per message, named by time and number), so a developer can read what would have been
sent without a provider account.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from pathlib import Path

from django.conf import settings

from alumni.messaging.sms_length import with_signature
from alumni.messaging.sms_providers.base import SmsProvider, SmsSent

logger = logging.getLogger("alumni.messaging.sms")


class ConsoleSms(SmsProvider):
    name = "console"

    def outbox(self) -> Path:
        return Path(settings.SMS_OUTBOX_DIR) / (self.config.schema or "public")

    def send(self, *, phone: str, template: str, params: dict, text: str = "", out_id: str = "") -> SmsSent:
        message_id = "console-" + uuid.uuid4().hex[:16]
        shown = with_signature(
            self.config.sign_name, text or f"[{template}] {json.dumps(params, ensure_ascii=False)}"
        )
        logger.info("SMS (console) to %s: %s", phone, shown)
        folder = self.outbox()
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        record = {
            "id": message_id,
            "to": phone,
            "text": shown,
            "template": template,
            "params": params,
            "out_id": out_id,
        }
        (folder / f"{stamp}-{phone}.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=2), "utf-8"
        )
        return SmsSent(message_id=message_id, raw=record)
