"""External channels behind one interface: ``adapter_for(channel).send(recipient=, subject=, body=, key=)``
raises ``ChannelError`` when the message was not accepted. ``key`` is the idempotency key: sent to
HTTP gateways as the ``Idempotency-Key`` header (and in the body), so a retry after an unknown outcome
does not reach the person twice; in email it is the Message-ID's left part.

- email: Django's email backend (``EMAIL_URL``), to the user's address;
- sms: HTTP POST of JSON ``{"to": mobile, "text": ..., "key": ...}`` to ``SMS_GATEWAY_URL``;
- wecom: the same to ``WEBHOOK_URL`` (a WeCom/DingTalk-style group robot or an intranet relay).
"""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _


class ChannelError(Exception):
    pass


class EmailAdapter:
    name = "email"

    def send(self, *, recipient, subject, body, key):
        address = (recipient.email or "").strip()
        if not address:
            raise ChannelError(_("没有电子邮件地址"))
        message = EmailMessage(subject=subject[:150], body=body, to=[address])
        message.extra_headers["Message-ID"] = f"<{key}@heating-command>"
        try:
            message.send(fail_silently=False)
        except Exception as e:  # SMTP errors of every kind
            raise ChannelError(f"email: {e}") from e


class HttpAdapter:
    def __init__(self, name, url_setting):
        self.name, self.url_setting = name, url_setting

    def send(self, *, recipient, subject, body, key):
        url = getattr(settings, self.url_setting, "")
        if not url:
            raise ChannelError(_("未配置 %(s)s") % {"s": self.url_setting})
        person = getattr(recipient, "person", None)
        to = (
            (person.mobile if person else "")
            if self.name == "sms"
            else (person.name if person else recipient.get_username())
        )
        if self.name == "sms" and not to:
            raise ChannelError(_("没有手机号码"))
        data = json.dumps(
            {"to": to, "text": body, "subject": subject, "key": key}, ensure_ascii=False
        ).encode()
        request = urllib.request.Request(
            url,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key},
        )
        try:
            with urllib.request.urlopen(
                request, timeout=getattr(settings, "CHANNEL_TIMEOUT_SECONDS", 5)
            ) as resp:
                if not 200 <= resp.status < 300:
                    raise ChannelError(f"{self.name}: HTTP {resp.status}")
        except urllib.error.HTTPError as e:
            raise ChannelError(f"{self.name}: HTTP {e.code}") from e
        except (urllib.error.URLError, TimeoutError, OSError) as e:
            raise ChannelError(f"{self.name}: {getattr(e, 'reason', e)}") from e


ADAPTERS = {
    "email": EmailAdapter(),
    "sms": HttpAdapter("sms", "SMS_GATEWAY_URL"),
    "wecom": HttpAdapter("wecom", "WEBHOOK_URL"),
}


def adapter_for(channel):
    try:
        return ADAPTERS[channel]
    except KeyError:
        raise ChannelError(_("不支持的渠道：%(c)s") % {"c": channel}) from None
