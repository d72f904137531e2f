"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives.

``smtputf8`` offers SMTPUTF8 (internationalised addresses); ``refuse`` lists
recipients it answers 550, and ``hang_up`` recipients whose message it answers
421 before closing the connection, as a busy or failing server does. ``hold`` lists
recipients whose message it keeps unanswered until ``release()`` (``holding`` is set
meanwhile), so a test can look at a batch halfway, or stop its sender there.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage as Message

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message
    mail_options: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return self.message.get_content()  # type: ignore[attr-defined]


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    hang_up: set[str] = field(default_factory=set)
    hold: set[str] = field(default_factory=set)
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: ANN001, N802
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        if self.hang_up & set(envelope.rcpt_tos):
            # Close once the reply is out: the client must reconnect for the next message.
            asyncio.get_running_loop().call_later(0.05, server.transport.close)
            return "421 4.3.2 Service not available, closing transmission channel"
        if self.hold & set(envelope.rcpt_tos):
            self.holding.set()
            while not self.released.is_set():
                await asyncio.sleep(0.02)
        message = parse(envelope.original_content or envelope.content)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message,
                                      list(envelope.mail_options)))  # fmt: skip
        return "250 Message accepted for delivery"


def parse(raw: bytes) -> Message:
    """A received message; headers may be UTF-8 (SMTPUTF8, RFC 6532), which the bytes
    parser leaves as escaped bytes: decode those here."""
    message = email.message_from_bytes(raw, policy=policy.default)
    for name, value in list(message.raw_items()):
        text = value.encode("utf-8", "surrogateescape").decode("utf-8")
        if text != value:
            message.replace_header(name, text.strip())
    return message  # type: ignore[return-value]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    def __init__(
        self, *, smtputf8: bool = False, refuse: Iterable[str] = (), hang_up: Iterable[str] = (),
        hold: Iterable[str] = (),
    ) -> None:  # fmt: skip
        self.handler = _Handler(refuse=set(refuse), hang_up=set(hang_up), hold=set(hold))
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     enable_SMTPUTF8=smtputf8)  # fmt: skip

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def holding(self) -> threading.Event:
        return self.handler.holding

    def release(self) -> None:
        self.handler.released.set()

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.controller.stop()
