"""A local stand-in for Twilio's Messages API that checks each request the
way Twilio does (path, HTTP Basic credentials, form fields) and answers as
Twilio documents: 201 with the message's SID, or an error object."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet in tests
        pass

    def answer(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        server = self.server
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        request = {
            "path": self.path,
            "authorization": self.headers.get("Authorization", ""),
            "content_type": self.headers.get("Content-Type", ""),
            "form": {name: values[0] for name, values in form.items()},
        }
        server.requests.append(request)
        expected = (
            "Basic "
            + base64.b64encode(f"{server.account_sid}:{server.auth_token}".encode()).decode()
        )
        if request["authorization"] != expected:
            return self.answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
        if self.path != f"/2010-04-01/Accounts/{server.account_sid}/Messages.json":
            return self.answer(404, {"code": 20404, "message": "Not found", "status": 404})
        if server.fail_with:
            status, code, message = server.fail_with
            return self.answer(status, {"code": code, "message": message, "status": status})
        fields = request["form"]
        if not (fields.get("To") and fields.get("Body")) or not (
            fields.get("From") or fields.get("MessagingServiceSid")
        ):
            return self.answer(400, {"code": 21604, "message": "A field is missing", "status": 400})
        sid = f"SM{len(server.requests):032d}"
        return self.answer(201, {"sid": sid, "status": "queued", "to": fields["To"]})


class FakeTwilio(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, account_sid="AC0123456789abcdef0123456789abcdef", auth_token="s3cret"):  # noqa: S107 (a test double)
        super().__init__(("127.0.0.1", 0), _Handler)
        self.account_sid, self.auth_token = account_sid, auth_token
        self.requests: list[dict] = []
        self.fail_with: tuple[int, int, str] | None = None

    def sms_url(self, sender="+441174960000", auth_token=None) -> str:
        token = self.auth_token if auth_token is None else auth_token
        api = f"http://127.0.0.1:{self.server_address[1]}"
        return f"twilio://{self.account_sid}:{token}@{sender}?api={api}"

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
