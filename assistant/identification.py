"""Customer identification (LGPD): registered phone or installation number, plus the last
4 digits of the titular's CPF; or a pre-identified call from an integrator key.

Personal figures are shown only after this; the tool layer enforces the scope again.

Brute force (H1): failures are counted per installation, per phone and per caller address across
sessions and channels (``SessionStore.id_guard``). After ``ID_LOCK_AFTER`` failures an
installation (or phone) is locked — the right digits no longer work — until a person releases it
(``smartmeter identification unlock``); one handoff is queued when it locks, not one per attempt.
An address that keeps failing waits longer and longer between attempts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.i18n import t
from assistant.session import ID_LOCK_AFTER, SessionState, guard_subjects
from tools.api import identity

if TYPE_CHECKING:
    from assistant.deps import AssistantDeps
    from assistant.engine import _Turn


def pre_identify(deps: AssistantDeps, state: SessionState, installation_id: str) -> None:
    """The integrator already identified the customer (its key's scope was checked by the channel)."""
    if state.installation_id != installation_id:
        state.installation_id = installation_id
        state.identified_by = "integrator"
        state.awaiting = None
        deps.sessions.adopt_context(state)


def start(deps: AssistantDeps, turn: _Turn) -> None:
    """Ask for identification and keep the question to answer afterwards."""
    state = turn.state
    state.pending_text = turn.text
    turn.refused = "not_identified"
    if state.phone:
        candidate = identity.installation_for_phone(deps.store, state.phone)
        if candidate and _blocked(deps, turn, candidate):
            return
        if candidate:
            state.candidate_installation = candidate
            state.awaiting = "cpf"
            turn.reply = t("identify.ask_cpf_phone")
            return
    state.awaiting = "installation"
    turn.reply = f"{t('identify.ask_installation')}\n{t('identify.general_only')}"


_EXPLICIT = re.compile(
    r"(minha instalacao|numero da instalacao|me identificar|quero identificar|identificacao|fazer login)"
)


def explicit_start(deps: AssistantDeps, turn: _Turn, norm: str) -> bool:
    """ "quero me identificar" / "minha instalação é 40010001": start or advance identification."""
    state = turn.state
    if state.installation_id or not _EXPLICIT.search(norm):
        return False
    turn.intent = "identify"
    if re.search(r"\b\d{6,15}\b", norm):
        state.awaiting = "installation"
        return consume_identification_input(deps, turn, norm)
    state.awaiting = "installation"
    turn.reply = t("identify.ask_installation")
    return True


def consume_identification_input(deps: AssistantDeps, turn: _Turn, norm: str) -> bool:
    """Handle a reply to an identification question. True when the turn was consumed."""
    state = turn.state
    digits = re.sub(r"\D", "", norm)
    if state.awaiting is None and not state.installation_id and state.phone and _only_cpf_digits(norm, digits):
        # "4705" sent before the bot asked: the phone's installation is the candidate
        candidate = identity.installation_for_phone(deps.store, state.phone)
        if candidate:
            state.candidate_installation, state.awaiting = candidate, "cpf"
    if state.awaiting is None or state.installation_id:
        return False
    if state.awaiting == "installation":
        m = re.search(r"\b\d{6,15}\b", norm)
        if not m:
            return False  # a general question meanwhile: answer it
        inst = m.group(0)
        turn.intent = "identify"
        if _blocked(deps, turn, None):
            return True
        if not identity.installation_exists(deps.store, inst):
            turn.reply = t("identify.unknown_installation")
            deps.sessions.id_failure(guard_subjects(None, state.phone, state.address))
            _fail(deps, turn)
            return True
        if _blocked(deps, turn, inst):
            return True
        state.candidate_installation = inst
        state.awaiting = "cpf"
        turn.reply = t("identify.ask_cpf")
        return True
    if state.awaiting == "cpf":
        if len(digits) < 4 or len(digits) > 11:
            return False
        turn.intent = "identify"
        cand = state.candidate_installation
        if cand and _blocked(deps, turn, cand):  # locked: even the right digits do not work
            return True
        if cand and identity.verify(deps.store, cand, digits[-4:] if len(digits) != 11 else digits):
            deps.sessions.id_success(guard_subjects(cand, state.phone, None))
            state.installation_id = cand
            state.identified_by = "phone+cpf" if state.phone else "installation+cpf"
            state.awaiting = None
            state.candidate_installation = None
            state.id_attempts = 0
            deps.sessions.adopt_context(state)
            turn.reply = t("identify.success", installation_tail=cand[-4:])
            return True
        turn.reply = ""
        failures, newly_locked = deps.sessions.id_failure(guard_subjects(cand, state.phone, state.address))
        if cand:
            _fail(deps, turn, remaining=ID_LOCK_AFTER - failures, handoff=newly_locked)
        else:
            _fail(deps, turn)
        return True
    return False


def _blocked(deps: AssistantDeps, turn: _Turn, installation_id: str | None) -> bool:
    """Refuse the attempt when the installation/phone is locked or the address must wait."""
    state = turn.state
    locked, wait_s = deps.sessions.id_guard(guard_subjects(installation_id, state.phone, state.address))
    if not locked and wait_s <= 0:
        return False
    turn.intent = "identify"
    turn.refused = "not_identified"
    state.awaiting = None
    state.candidate_installation = None
    if locked:
        turn.reply = t("identify.locked_person")
    else:
        minutes = max(1, round(wait_s / 60))
        turn.reply = t("identify.wait", minutes=f"{minutes} minuto" if minutes == 1 else f"{minutes} minutos")
    return True


def _only_cpf_digits(norm: str, digits: str) -> bool:
    """A message that is just the CPF's last 4 digits or the whole CPF (punctuation and words like "cpf" aside)."""
    words = re.sub(r"\b(meu|o|os|cpf|e|final|sao|ultimos|4|digitos|do)\b|[\d.\-/:,]", " ", norm)
    return len(digits) in (4, 11) and not words.strip()


def _fail(deps: AssistantDeps, turn: _Turn, remaining: int | None = None, handoff: bool = True) -> None:
    from assistant import policy

    state = turn.state
    state.id_attempts += 1
    if remaining is None:
        remaining = deps.settings.identification_attempts - state.id_attempts
    if remaining <= 0:
        state.awaiting = None
        state.candidate_installation = None
        turn.reply = t("identify.locked")
        if handoff:  # one handoff when the installation locks, not one per attempt afterwards
            policy.handoff(deps, turn, "handoff.reason_identification")
        return
    if not turn.reply:
        turn.reply = t("identify.failed", remaining=remaining)
