"""Delivery channel settings (the ``channels:`` list of config/alerts.yaml).

Secrets are never required in the file: every secret field has an ``*_env`` twin naming an
environment variable, read at send time.
"""

from __future__ import annotations

import os
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Channel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[\w.-]+$")
    enabled: bool = True
    # In-process retries per delivery run (tenacity, exponential backoff); after that the
    # delivery stays in the outbox and is retried on a later run with a longer backoff.
    retries: int = Field(default=3, ge=1, le=10)
    retry_wait_s: float = Field(default=0.5, ge=0)
    timeout_s: float = Field(default=10.0, gt=0)


class ConsoleChannel(_Channel):
    type: Literal["console"]


class JsonlChannel(_Channel):
    type: Literal["jsonl"]
    path: str = "data/alerts.jsonl"


class WebhookChannel(_Channel):
    """A JSON POST signed with HMAC-SHA256 over the raw body: ``X-Rasid-Signature: sha256=…``."""

    type: Literal["webhook"]
    url: str
    secret: str | None = None
    secret_env: str | None = None
    headers: dict[str, str] = {}


class SlackChannel(_Channel):
    type: Literal["slack"]
    url: str | None = None
    url_env: str | None = None


class TelegramChannel(_Channel):
    type: Literal["telegram"]
    chat_id: str
    token: str | None = None
    token_env: str | None = None
    base_url: str = "https://api.telegram.org"  # a loopback receiver stands in for tests


class EmailChannel(_Channel):
    type: Literal["email"]
    host: str
    port: int = 587
    starttls: bool = True  # STARTTLS on a plain connection (port 587)
    ssl: bool = False  # implicit TLS (port 465) instead
    ca_file: str | None = None  # trust this CA (a self-signed server in tests)
    verify: bool = True
    username: str | None = None
    password: str | None = None
    password_env: str | None = None
    sender: str = "rasid@localhost"
    to: list[str] = []


ChannelConfig = Annotated[
    ConsoleChannel | JsonlChannel | WebhookChannel | SlackChannel | TelegramChannel | EmailChannel,
    Field(discriminator="type"),
]


def secret(value: str | None, env: str | None, what: str) -> str | None:
    """The inline value, else the environment variable; an error names what is missing."""
    if value:
        return value
    if env:
        found = os.environ.get(env)
        if not found:
            raise RuntimeError(f"{what}: environment variable {env} is not set")
        return found
    return None


DEFAULT_CHANNELS: list[ConsoleChannel | JsonlChannel] = [
    ConsoleChannel(id="console", type="console"),
    JsonlChannel(id="file", type="jsonl", path="data/alerts.jsonl"),
]
