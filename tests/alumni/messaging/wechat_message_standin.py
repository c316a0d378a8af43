"""A STAND-IN for WeChat's message APIs, extending tests/alumni/accounts' WeChat stand-in.

Adds, on the same threading server on 127.0.0.1:
- ``POST /cgi-bin/message/template/send?access_token=…``   official-account template message
- ``POST /cgi-bin/message/subscribe/send?access_token=…``  mini-program subscribe message

Each checks that the access_token was issued by ``/cgi-bin/token`` to the right app, that the
template exists for that app, that the payload has WeChat's shape (``data`` of ``{"value": …}``),
and that the user may receive it (follows the official account / accepted the subscription),
answering with WeChat's errcodes (40001, 40037, 43004, 43101, 47003) otherwise.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.alumni.accounts.wechat_standin import WeChatStandIn


class WeChatMessageStandIn(WeChatStandIn):
    def __init__(self) -> None:
        super().__init__()
        self._reset_messages()

    def _reset_messages(self) -> None:
        self.tokens: dict[str, str] = {}  # access_token -> app_id
        self.templates: dict[str, set[str]] = {}  # app_id -> template ids
        self.receivers: dict[str, set[str]] = {}  # app_id -> openids that may receive
        self.sent: list[dict] = []

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self._reset_messages()

    def add_template(self, app_id: str, template_id: str) -> None:
        with self._lock:
            self.templates.setdefault(app_id, set()).add(template_id)

    def allow_receiver(self, app_id: str, openid: str) -> None:
        """The user follows the official account / accepted the mini-program subscription."""
        with self._lock:
            self.receivers.setdefault(app_id, set()).add(openid)

    def _answer(self, path, params):
        status, body = super()._answer(path, params)
        if path == "/cgi-bin/token" and "access_token" in body:
            with self._lock:
                self.tokens[body["access_token"]] = params["appid"]
        return status, body

    def _post(self, path: str, params: dict, body: dict) -> dict:
        kinds = {"/cgi-bin/message/template/send": "template", "/cgi-bin/message/subscribe/send": "subscribe"}
        if path not in kinds:
            return {"errcode": 404, "errmsg": f"stand-in has no {path}"}
        with self._lock:
            app_id = self.tokens.get(params.get("access_token", ""))
            if app_id is None:
                return {
                    "errcode": 40001,
                    "errmsg": "invalid credential, access_token is invalid or not latest",
                }
            if body.get("template_id") not in self.templates.get(app_id, set()):
                return {"errcode": 40037, "errmsg": "invalid template_id"}
            data = body.get("data")
            if not isinstance(data, dict) or not all(
                isinstance(v, dict) and "value" in v for v in data.values()
            ):
                return {"errcode": 47003, "errmsg": "argument invalid! data.value invalid"}
            if body.get("touser") not in self.receivers.get(app_id, set()):
                if kinds[path] == "template":
                    return {"errcode": 43004, "errmsg": "require subscribe"}
                return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
            msgid = 1000 + len(self.sent)
            self.sent.append({"kind": kinds[path], "app_id": app_id, "msgid": msgid, **body})
            return {"errcode": 0, "errmsg": "ok", "msgid": msgid}

    def start(self) -> WeChatMessageStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, body: dict):
                payload = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                self._reply(*standin._answer(parts.path, params))

            def do_POST(self):
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    self._reply(200, {"errcode": 47001, "errmsg": "data format error"})
                    return
                self._reply(200, standin._post(parts.path, params, body))

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self
