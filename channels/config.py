"""Channel settings (``SMARTMETER_`` environment prefix), read through a cached function."""

from __future__ import annotations

from functools import cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class ChannelSettings(BaseSettings):
    """REST, web chat and WhatsApp settings."""

    model_config = SettingsConfigDict(env_prefix="SMARTMETER_", extra="ignore")

    home: str = ".smartmeter"
    public_url: str = "http://127.0.0.1:8000"  # the URL Twilio calls (signature base), no trailing slash
    twilio_account_sid: str = "ACtest"
    twilio_auth_token: str = "test-token"
    twilio_from: str = "whatsapp:+14155238886"
    twilio_api_base: str | None = None  # point the Twilio client at a stub server in tests
    proactive_enabled: bool = False  # outbound high-bill alerts
    media_secret: str = "change-me"  # signs expiring chart URLs
    media_ttl_s: int = 900
    rate_per_key_per_min: int = 600
    rate_per_phone_per_min: int = 20
    rate_anonymous_per_min: int = 120
    cors_origins: str = ""
    voice_attendants: str = ""  # the attendants' number a URA call is transferred to (<Dial>); empty = call back


@cache
def get_settings() -> ChannelSettings:
    return ChannelSettings()
