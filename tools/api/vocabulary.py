"""Vocabularies the outside callers (assistant, channels) share with the tools, re-exported from
:mod:`tools.domain` so that they reach them through ``tools.api`` only (an import contract in
``pyproject.toml``): the service-request types."""

from tools.domain import request_types

__all__ = ["request_types"]
