"""A STAND-IN for WeChat's API servers (api.weixin.qq.com / open.weixin.qq.com), for tests only.

WeChat cannot be reached from tests, so this small threading HTTP server on 127.0.0.1 (random
port) answers the endpoints our code calls through the real wechatpy library, with WeChat-shaped
JSON, including WeChat's error bodies (``{"errcode": 40029, "errmsg": "invalid code"}``):

- ``GET /cgi-bin/token``              app access_token (wechatpy fetches one before code2session)
- ``GET /sns/oauth2/access_token``    official-account OAuth: code -> web access_token + openid
- ``GET /sns/userinfo``               official-account OAuth: nickname, avatar, unionid
- ``GET /sns/jscode2session``         mini-program login: js_code -> openid, session_key, unionid
- ``GET /connect/oauth2/authorize``   WeChat's consent page (only recorded; tests follow the redirect)

Like WeChat, an openid is derived from (app, person), so one person has a different openid in
each app, while the unionid is the same across apps. Codes are single-use.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Person:
    key: str
    nickname: str = ""
    unionid: str = ""
    avatar_url: str = ""


@dataclass
class StandInState:
    apps: dict[str, str] = field(default_factory=dict)  # app_id -> secret
    codes: dict[str, tuple[str, Person]] = field(default_factory=dict)  # code -> (app_id, person)
    used_codes: set[str] = field(default_factory=set)
    web_tokens: dict[str, tuple[str, Person]] = field(default_factory=dict)  # token -> (app_id, person)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)


def openid_for(app_id: str, person_key: str) -> str:
    return "o" + hashlib.sha256(f"{app_id}:{person_key}".encode()).hexdigest()[:27]


class WeChatStandIn:
    """Start with ``start()``; register apps and issue codes per test; ``reset()`` between tests."""

    def __init__(self) -> None:
        self.state = StandInState()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- test API -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def reset(self) -> None:
        with self._lock:
            self.state = StandInState()

    def add_app(self, app_id: str, secret: str) -> None:
        with self._lock:
            self.state.apps[app_id] = secret

    def issue_code(self, app_id: str, person: Person) -> str:
        """What WeChat hands the browser (OAuth) or wx.login() (mini-program) for this person."""
        code = "code_" + secrets.token_hex(8)
        with self._lock:
            self.state.codes[code] = (app_id, person)
        return code

    def paths_called(self) -> list[str]:
        return [path for path, _params in self.state.calls]

    # --- server ---------------------------------------------------------------------------
    def start(self) -> WeChatStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                status, body = standin._answer(parts.path, params)
                payload = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                # WeChat sends JSON as text/plain; wechatpy parses the body either way.
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- WeChat's behaviour ----------------------------------------------------------------
    def _error(self, errcode: int, errmsg: str) -> tuple[int, dict]:
        return 200, {"errcode": errcode, "errmsg": errmsg}

    def _check_app(self, params: dict) -> tuple[int, dict] | None:
        app_id = params.get("appid", "")
        if app_id not in self.state.apps:
            return self._error(40013, "invalid appid")
        if params.get("secret") != self.state.apps[app_id]:
            return self._error(40125, "invalid appsecret")
        return None

    def _take_code(self, code: str, app_id: str) -> Person | tuple[int, dict]:
        if code in self.state.used_codes:
            return self._error(40163, "code been used")
        entry = self.state.codes.pop(code, None)
        if entry is None or entry[0] != app_id:
            return self._error(40029, "invalid code")
        self.state.used_codes.add(code)
        return entry[1]

    def _answer(self, path: str, params: dict) -> tuple[int, dict]:
        with self._lock:
            self.state.calls.append((path, params))
            if path == "/cgi-bin/token":
                return self._check_app(params) or (
                    200,
                    {"access_token": "app_" + secrets.token_hex(12), "expires_in": 7200},
                )
            if path == "/sns/oauth2/access_token":
                problem = self._check_app(params)
                if problem:
                    return problem
                person = self._take_code(params.get("code", ""), params["appid"])
                if isinstance(person, tuple):
                    return person
                token = "web_" + secrets.token_hex(12)
                self.state.web_tokens[token] = (params["appid"], person)
                body = {
                    "access_token": token,
                    "expires_in": 7200,
                    "refresh_token": "refresh_" + secrets.token_hex(8),
                    "openid": openid_for(params["appid"], person.key),
                    "scope": "snsapi_userinfo",
                }
                if person.unionid:
                    body["unionid"] = person.unionid
                return 200, body
            if path == "/sns/userinfo":
                entry = self.state.web_tokens.get(params.get("access_token", ""))
                if entry is None or params.get("openid") != openid_for(entry[0], entry[1].key):
                    return self._error(40001, "invalid credential, access_token is invalid or not latest")
                app_id, person = entry
                body = {
                    "openid": openid_for(app_id, person.key),
                    "nickname": person.nickname,
                    "sex": 0,
                    "province": "",
                    "city": "",
                    "country": "",
                    "headimgurl": person.avatar_url,
                    "privilege": [],
                }
                if person.unionid:
                    body["unionid"] = person.unionid
                return 200, body
            if path == "/sns/jscode2session":
                problem = self._check_app(params)
                if problem:
                    return problem
                person = self._take_code(params.get("js_code", ""), params["appid"])
                if isinstance(person, tuple):
                    return person
                body = {
                    "openid": openid_for(params["appid"], person.key),
                    "session_key": secrets.token_hex(12),
                }
                if person.unionid:
                    body["unionid"] = person.unionid
                return 200, body
            return 404, {"errcode": 404, "errmsg": f"stand-in has no {path}"}
