"""Channel settings (``SMARTMETER_`` environment prefix), read through a cached function."""

from __future__ import annotations

from functools import cache

from pydantic_settings import BaseSettings, SettingsConfigDict

#: Values that were once defaults or appear in examples: never accepted as a secret.
WEAK_SECRETS = frozenset({"test-token", "change-me", "changeme", "secret", "token"})
MIN_SECRET_CHARS = 16


class ChannelSettings(BaseSettings):
    """REST, web chat and WhatsApp settings."""

    model_config = SettingsConfigDict(env_prefix="SMARTMETER_", extra="ignore")

    home: str = ".smartmeter"
    public_url: str = "http://127.0.0.1:8000"  # the URL Twilio calls (signature base), no trailing slash
    twilio_account_sid: str = "ACtest"
    twilio_auth_token: str | None = None  # required for the WhatsApp webhook: never defaulted
    twilio_from: str = "whatsapp:+14155238886"
    twilio_api_base: str | None = None  # point the Twilio client at a stub server in tests
    proactive_enabled: bool = False  # outbound high-bill alerts
    media_secret: str | None = None  # signs expiring chart URLs: required, never defaulted
    demo: bool = False  # ``serve --demo``: loopback only, per-run random secrets
    media_ttl_s: int = 900
    rate_per_key_per_min: int = 600
    rate_per_phone_per_min: int = 20
    rate_anonymous_per_min: int = 120
    cors_origins: str = ""
    voice_attendants: str = ""  # the attendants' number a URA call is transferred to (<Dial>); empty = call back

    def missing_secrets(self) -> list[str]:
        """Environment variables the WhatsApp route needs and lacks (or holds a known/weak value)."""
        out = []
        for env, value in (("SMARTMETER_TWILIO_AUTH_TOKEN", self.twilio_auth_token),
                           ("SMARTMETER_MEDIA_SECRET", self.media_secret)):
            if not value or value in WEAK_SECRETS or len(value) < MIN_SECRET_CHARS:
                out.append(env)
        return out


@cache
def get_settings() -> ChannelSettings:
    return ChannelSettings()
