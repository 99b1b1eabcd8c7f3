"""A local SMTP server for tests whose greeting comes only after ``delay``
seconds: a mail server on the other side of a slow network. It keeps each
message it accepts (enough of RFC 5321 for smtplib, no TLS, no auth)."""

from __future__ import annotations

import socketserver
import threading
import time


class _Session(socketserver.StreamRequestHandler):
    def reply(self, line: str):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        server = self.server
        server.connections += 1
        time.sleep(server.delay)
        self.reply("220 slow.test ESMTP")
        data, lines = False, []
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if data:
                if line == ".":
                    data = False
                    server.messages.append("\n".join(lines))
                    lines = []
                    self.reply("250 OK: queued")
                else:
                    lines.append(line[1:] if line.startswith("..") else line)
                continue
            verb = line[:4].upper()
            if verb == "EHLO":
                self.reply("250-slow.test")
                self.reply("250 8BITMIME")
            elif verb == "DATA":
                data = True
                self.reply("354 End data with <CR><LF>.<CR><LF>")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            elif verb in {"HELO", "MAIL", "RCPT", "RSET", "NOOP"}:
                self.reply("250 OK")
            else:
                self.reply("502 Not implemented")


class SlowSMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, delay: float):
        super().__init__(("127.0.0.1", 0), _Session)
        self.delay = delay
        self.messages: list[str] = []
        self.connections = 0

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
