"""Caller context and scope enforcement (LGPD in the tool layer, not in the prompt)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from tools.data.queries import register
from tools.data.store import Store
from tools.errors import ForbiddenInstallation, InvalidArguments, NotIdentified, UnknownInstallation
from tools.types import ToolResult

ScopeKind = Literal["customer", "integrator", "operator", "anonymous"]


@dataclass(frozen=True, slots=True)
class Scope:
    """Who is calling and which installations they may see.

    ``customer``: exactly the identified installation. ``integrator``: the installations its
    key was granted (``None`` = any, for the distributor's own app). ``operator``: fleet tools
    and any installation. ``anonymous``: nothing personal.
    """

    kind: ScopeKind
    installations: frozenset[str] | None = field(default=None)

    @classmethod
    def customer(cls, installation_id: str) -> Scope:
        return cls("customer", frozenset({installation_id}))

    @classmethod
    def operator(cls) -> Scope:
        return cls("operator", None)

    @classmethod
    def anonymous(cls) -> Scope:
        return cls("anonymous", frozenset())

    def check(self, installation_id: str | None) -> None:
        if installation_id is None:
            raise NotIdentified("installation required")
        if self.kind == "anonymous":
            raise NotIdentified("customer not identified", installation_id=installation_id)
        if self.installations is not None and installation_id not in self.installations:
            raise ForbiddenInstallation("installation outside scope", installation_id=installation_id)


@dataclass(slots=True)
class ToolContext:
    """Dependencies of a tool call: the store, the data's "today", the caller's scope."""

    store: Store
    scope: Scope
    today: dt.date | None = None
    channel: str = "rest"  # where the caller is (consents record it): web | whatsapp | voice | rest | operator
    #: the instant of the call, local wall-clock time with its UTC offset (the channel's clock);
    #: read only by tools that record something (a service request's opening, a consent). None: now.
    now: dt.datetime | None = None
    _installations: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.today is None:
            self.today = self.store.data_today() or dt.date.today()

    def clock(self) -> dt.datetime:
        """The instant of the call with its offset (``now``, else the system clock in Sao Paulo time)."""
        if self.now is not None:
            if self.now.tzinfo is None:
                raise ValueError("ToolContext.now must carry its UTC offset")
            return self.now
        return dt.datetime.now(dt.timezone(dt.timedelta(hours=-3)))

    @property
    def data_today(self) -> dt.date:
        assert self.today is not None
        return self.today

    def installation(self, installation_id: str) -> dict[str, Any]:
        """The installation's attributes, after the scope check (read once per context)."""
        self.scope.check(installation_id)
        cached = self._installations.get(installation_id)
        if cached is not None:
            return dict(cached)
        rec = register.installation(self.store, installation_id)
        if rec is None:
            raise UnknownInstallation("unknown installation", installation_id=installation_id)
        self._installations[installation_id] = rec
        return dict(rec)

    def installation_versions(
        self, installation_id: str
    ) -> list[tuple[dt.date, dt.date | None, dict[str, Any]]]:
        """``(valid_from, valid_to, attributes)`` of every version of the installation register, oldest
        first (``valid_to`` inclusive, None = in force); one open version when none is stored."""
        current = self.installation(installation_id)
        out = []
        for rec in register.installation_history(self.store, installation_id):
            vf, vt = rec.pop("valid_from"), rec.pop("valid_to")
            rec.pop("recorded_at", None)
            rec.pop("source", None)
            out.append((vf, vt, rec))
        return out or [(dt.date.min, None, current)]

    def installation_on(self, installation_id: str, day: dt.date) -> dict[str, Any]:
        """The installation's attributes in force on ``day`` (the first version before it began)."""
        versions = self.installation_versions(installation_id)
        for vf, vt, rec in versions:
            if vf <= day and (vt is None or day <= vt):
                return rec
        return versions[0][2] if day < versions[0][0] else versions[-1][2]


def run_tool(
    name: str, ctx: ToolContext, installation_id: str | None = None, args: Mapping[str, Any] | None = None
) -> ToolResult[Any]:
    """Validate arguments, enforce scope and run a registered tool."""
    from tools import registry  # local: registry imports api modules
    from tools.api.arg_guard import check_args

    spec = registry.get(name)
    if "operator" not in spec.audience or ctx.scope.kind != "operator":
        if spec.needs_installation:
            ctx.scope.check(installation_id)
        elif "customer" not in spec.audience:
            raise ForbiddenInstallation("operator tool", tool=name)
    try:
        parsed = spec.args_model.model_validate(dict(args or {}))
    except ValidationError as exc:
        raise InvalidArguments("invalid arguments", tool=name, errors=exc.errors(include_url=False)) from exc
    check_args(parsed, ctx.today)  # dates and horizons: InvalidPeriod naming the field, never a 500
    with ctx.store.one_call():  # the lake is listed once per call (Store.usage_ready)
        if spec.needs_installation and installation_id is not None:
            ctx.installation(installation_id)  # existence + scope
        return spec.fn(ctx, installation_id, parsed)
