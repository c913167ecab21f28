"""URA (voice) through Twilio Voice: TwiML for each step of a call, in pt-BR.

A call has three steps, each a Twilio webhook to ``/v1/channels/voice?step=…``:

* ``start`` — a greeting and a keypad prompt for the CPF's last 4 digits (the caller ID names
  the installation, as the WhatsApp number does);
* ``cpf`` — the digits typed; on success the caller is asked to speak the question;
* ``ask`` — the spoken question (``SpeechResult``) or ``0`` on the keypad for an attendant.

Answers are shortened for the ear (:func:`channels.speech.for_the_ear`) and every figure is spoken
in words. A handoff ends in ``<Dial>`` to the attendants' number, with the conversation summary
already in the copilot's queue.
"""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

LANG = "pt-BR"
VOICE = "Polly.Camila"  # a pt-BR neural voice of Twilio's <Say>
ACTION = "/v1/channels/voice"


def _say(resp: VoiceResponse | Gather, text: str) -> None:
    resp.say(text, language=LANG, voice=VOICE)


def ask_digits(prompt: str, step: str = "cpf", lead: str = "") -> str:
    """Say ``lead`` (if any), then wait for 4 keypad digits."""
    resp = VoiceResponse()
    if lead:
        _say(resp, lead)
    gather = resp.gather(input="dtmf", num_digits=4, timeout=8, action=f"{ACTION}?step={step}", method="POST")
    _say(gather, prompt)
    _say(resp, "Não recebi os dígitos. Ligue de novo quando quiser. Até logo.")
    resp.hangup()
    return str(resp)


def ask_question(prompt: str, lead: str = "", goodbye: str = "Obrigado por ligar. Até logo.") -> str:
    """Say ``lead``, then listen for a spoken question (or ``0`` on the keypad for an attendant)."""
    resp = VoiceResponse()
    if lead:
        _say(resp, lead)
    gather = resp.gather(input="dtmf speech", language=LANG, speech_timeout="auto", num_digits=1, timeout=6,
                         action=f"{ACTION}?step=ask", method="POST")
    _say(gather, prompt)
    _say(resp, goodbye)
    resp.hangup()
    return str(resp)


def transfer(lead: str, attendants: str | None, no_attendant: str) -> str:
    """Say ``lead`` and connect the caller to the attendants (or say when they will call back)."""
    resp = VoiceResponse()
    _say(resp, lead)
    if attendants:
        resp.dial(attendants)
    else:
        _say(resp, no_attendant)
        resp.hangup()
    return str(resp)


def goodbye(text: str) -> str:
    resp = VoiceResponse()
    _say(resp, text)
    resp.hangup()
    return str(resp)
