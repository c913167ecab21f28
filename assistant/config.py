"""Assistant settings (environment prefix ``SMARTMETER_``), read through a cached function."""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class AssistantSettings(BaseSettings):
    """Settings of the assistant. ``engine=offline`` needs nothing else."""

    model_config = SettingsConfigDict(env_prefix="SMARTMETER_", extra="ignore")

    home: str = ".smartmeter"
    today: str | None = None  # override the data's "today" (YYYY-MM-DD)
    engine: Literal["offline", "llm"] = "offline"
    llm_provider: Literal["openai", "azure", "ollama"] = "openai"
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str = "gpt-4o-mini"
    azure_api_version: str = "2024-10-21"
    azure_deployment: str | None = None
    allow_llm: bool = True  # tests set SMARTMETER_ALLOW_LLM=0: a global switch blocking real model calls
    max_reply_chars: int = 1600  # WhatsApp-sized replies
    identification_attempts: int = 3
    session_idle_min: int = 30  # a conversation (and its identification) ends after this much inactivity


@cache
def get_settings() -> AssistantSettings:
    return AssistantSettings()
