"""Optional LLM engine (LangChain tool-calling agent) over the same tool registry.

Only routes and phrases: the tools make every number. The installation is injected by the
caller (closure), never a model-visible argument. A grounding check rejects any model reply
with a number that is not in a tool result of the same turn; the engine then falls back to
the template reply rendered from the same results. The only module that imports langchain.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from importlib import resources
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import StructuredTool
from pydantic import BaseModel, ConfigDict, Field

from assistant.config import AssistantSettings
from assistant.grounding import ungrounded
from tools import registry
from tools.errors import ToolError
from tools.types import ToolResult

log = logging.getLogger(__name__)


class LLMDisabled(RuntimeError):
    """Real model calls are blocked (SMARTMETER_ALLOW_LLM=0) or no endpoint is configured."""


def build_model(settings: AssistantSettings) -> BaseChatModel:
    """Chat model from settings: OpenAI-compatible endpoint, Azure OpenAI or Ollama."""
    if not settings.allow_llm:
        raise LLMDisabled("real model calls are disabled")
    if settings.llm_provider == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            base_url=settings.llm_base_url or "http://127.0.0.1:11434",
            model=settings.llm_model,
            temperature=0,
        )
    if settings.llm_provider == "azure":
        from langchain_openai import AzureChatOpenAI

        return AzureChatOpenAI(
            azure_endpoint=settings.llm_base_url,
            api_key=settings.llm_api_key,  # type: ignore[arg-type]
            api_version=settings.azure_api_version,
            azure_deployment=settings.azure_deployment,
            temperature=0,
        )
    from langchain_openai import ChatOpenAI

    if not settings.llm_base_url and not settings.llm_api_key:
        raise LLMDisabled("no LLM endpoint configured")
    return ChatOpenAI(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key or "none",  # type: ignore[arg-type]
        model=settings.llm_model,
        temperature=0,
    )


def system_prompt(audience: str) -> str:
    name = "system_operator.md" if audience == "operator" else "system_customer.md"
    return (resources.files("assistant") / "prompts" / name).read_text(encoding="utf-8")


RunTool = Callable[[str, dict[str, Any]], ToolResult[Any]]
Sink = list[tuple[str, dict[str, Any], "ToolResult[Any] | str"]]


def make_tools(
    audience: str, run: RunTool, sink: list[tuple[str, dict[str, Any], ToolResult[Any] | str]]
) -> list[StructuredTool]:
    """LangChain tools over the registry. ``run`` binds the installation and scope (not the model)."""
    tools: list[StructuredTool] = []
    for name in registry.names("operator" if audience == "operator" else "customer"):
        spec = registry.get(name)
        if (audience == "customer" and "customer" not in spec.audience) or spec.writes:
            continue  # a write (opening a request) is called by the dialogue on the customer's "sim", never by a model

        def _call(_name: str = name, **kwargs: Any) -> str:
            try:
                result = run(_name, kwargs)
            except ToolError as exc:
                sink.append((_name, kwargs, exc.code))
                return json.dumps({"error": exc.code})
            sink.append((_name, kwargs, result))
            return json.dumps(result.to_dict(), ensure_ascii=False)[:6000]

        tools.append(
            StructuredTool.from_function(
                func=_call, name=name, description=spec.summary, args_schema=spec.args_model
            )
        )
    return tools


class KnowledgeArgs(BaseModel):
    """Model-facing arguments of search_knowledge (the audience comes from the session)."""

    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=500, description="The question, in the user's words (pt-BR).")


Knowledge = Callable[[str], "ToolResult[Any] | None"]


def knowledge_tool(knowledge: Knowledge, sink: Sink) -> StructuredTool:
    """search_knowledge for the model: cited passages of the regulation / FAQ articles."""

    def _search(query: str) -> str:
        result = knowledge(query)
        if result is None:
            sink.append(("search_knowledge", {"query": query}, "knowledge.unavailable"))
            return json.dumps({"error": "knowledge.unavailable"})
        sink.append(("search_knowledge", {"query": query}, result))
        return json.dumps(result.to_dict(), ensure_ascii=False, default=str)[:6000]

    return StructuredTool.from_function(
        func=_search,
        name="search_knowledge",
        description="Search the pt-BR regulation and FAQ articles (REN 1.000/2021, PRODIST...); returns cited passages.",
        args_schema=KnowledgeArgs,
    )


class LLMEngine:
    """Tool-calling agent; returns (reply, tool invocations) or raises to let the caller fall back."""

    def __init__(self, model: BaseChatModel, audience: str) -> None:
        self.model = model
        self.audience = audience

    def run(
        self,
        text: str,
        run: RunTool,
        extra_tools: list[StructuredTool] | None = None,
        knowledge: Knowledge | None = None,
    ) -> tuple[str, Sink]:
        sink: Sink = []
        tools = make_tools(self.audience, run, sink) + list(extra_tools or [])
        if knowledge is not None:
            tools.append(knowledge_tool(knowledge, sink))
        agent = create_agent(self.model, tools=tools, system_prompt=system_prompt(self.audience))
        out = agent.invoke({"messages": [HumanMessage(text)]})
        final = next(
            (m for m in reversed(out["messages"]) if isinstance(m, AIMessage) and not m.tool_calls), None
        )
        reply = str(final.content) if final is not None else ""
        return reply, sink


def grounded(
    reply: str, sink: list[tuple[str, dict[str, Any], ToolResult[Any] | str]], user_text: str
) -> bool:
    results = [r.to_dict() for _, _, r in sink if isinstance(r, ToolResult)]
    return bool(reply) and not ungrounded(reply, results, user_text=user_text)
