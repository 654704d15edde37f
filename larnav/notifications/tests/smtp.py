"""A real SMTP server for tests (aiosmtpd on a free loopback port) that records what it accepts."""

from __future__ import annotations

import os
import signal
import socket
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """Accepts every message, except: addresses in ``refuse`` get 550; ``kill_at`` (the n-th DATA) kills
    ``worker_pid`` before answering, as a machine dying mid-send would, and the message is not accepted."""

    def __init__(self, refuse=(), kill_at: int | None = None):
        self.refuse = set(refuse)
        self.kill_at = kill_at
        self.worker_pid: int | None = None
        self.accepted = []
        self.data_count = 0
        self.killed = threading.Event()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_count += 1
            if self.kill_at is not None and self.data_count == self.kill_at and self.worker_pid:
                os.kill(self.worker_pid, signal.SIGKILL)
                self.killed.set()
                return "451 4.3.0 Try again later"
            message = message_from_bytes(envelope.content, policy=policy.default)
            self.accepted.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 Message accepted"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for _, _, m in self.accepted]


class SMTPServer:
    def __init__(self, recorder: Recorder):
        self.recorder = recorder
        self.port = free_port()
        self.controller = Controller(recorder, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
