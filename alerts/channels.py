"""Delivery channel settings (the ``channels:`` list of config/alerts.yaml).

Secrets are never required in the file: every secret field has an ``*_env`` twin naming an
environment variable, read at send time. What can be checked without sending is checked at
load (a URL that is not http(s), a malformed address, a Slack channel with no URL at all), so
a channel that can never deliver fails ``rasid`` with file:line instead of every delivery.
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from rasid.yamlconf import FieldError


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {value!r} (e.g. https://hooks.example.org/rasid)")
    return value


# A bare address or «Name <address>». The domain may lack a dot (rasid@localhost is the
# default sender); anything else an SMTP server would refuse on every delivery.
_ADDR = r"[^@\s<>,;\"]+@[\w](?:[\w.-]*[\w])?"
_MAILBOX = re.compile(rf"^\s*(?:{_ADDR}|[^<>@]*<\s*{_ADDR}\s*>)\s*$")


def _check_address(value: str) -> str:
    if not _MAILBOX.match(value):
        raise ValueError(f"not an e-mail address: {value!r} (e.g. desk@example.org)")
    return value.strip()


def _int_to_str(value: Any) -> Any:
    # `chat_id: -1001234567890` unquoted is an int to YAML, and the natural way to write it.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


HttpUrl = Annotated[str, AfterValidator(_check_url)]
EmailAddress = Annotated[str, AfterValidator(_check_address)]


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
    url: HttpUrl
    secret: str | None = None
    secret_env: str | None = None
    headers: dict[str, str] = {}


class SlackChannel(_Channel):
    type: Literal["slack"]
    url: HttpUrl | None = None
    url_env: str | None = None

    @model_validator(mode="after")
    def _has_url(self) -> SlackChannel:
        if not (self.url or self.url_env):
            raise FieldError("a slack channel needs url or url_env", ("url",))
        return self


class TelegramChannel(_Channel):
    type: Literal["telegram"]
    chat_id: Annotated[str, BeforeValidator(_int_to_str)]
    token: str | None = None
    token_env: str | None = None
    base_url: HttpUrl = "https://api.telegram.org"  # a loopback receiver stands in for tests

    @model_validator(mode="after")
    def _has_token(self) -> TelegramChannel:
        if not (self.token or self.token_env):
            raise FieldError("a telegram channel needs token or token_env", ("token",))
        return self


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
    sender: EmailAddress = "rasid@localhost"
    to: list[EmailAddress] = []


ChannelConfig = Annotated[
    ConsoleChannel | JsonlChannel | WebhookChannel | SlackChannel | TelegramChannel | EmailChannel,
    Field(discriminator="type"),
]


def unset_env(ch: Any) -> list[tuple[str, str]]:
    """(field, variable) for each ``*_env`` the channel reads that is not set in this process
    and has no inline value to fall back on."""
    out = []
    for field in ("secret", "url", "token", "password"):
        env = getattr(ch, f"{field}_env", None)
        if env and not getattr(ch, field, None) and not os.environ.get(env):
            out.append((f"{field}_env", env))
    return out


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
