"""A queue's experience as the contact flows use it: a flat map of strings (Connect's STRING_MAP).

One place for the translation, because two sides must agree on it: queue_experience answers the
inbound flow with it, and the flows' safe defaults (used when the function fails) are rendered
from the default experience at synth (modules/connect_flows/templates.py imports this module).

- ``holdPromptSsml``: the hold message followed by silence, so that it repeats every
  ``prompt_interval_seconds`` in the customer-queue flow's loop (SSML breaks of at most 10 s).
- ``offerAfterChecks``: how many of the customer-queue flow's checks (every ``check_seconds``)
  pass before a callback or voicemail is offered, i.e. the queue's ``max_queue_seconds``.
- ``offers``/``offerPrompt``: what the caller may choose then (1: callback, 2: voicemail).
"""

from __future__ import annotations

import math
from html import escape

from cc_shared.models import QueueExperience

MAX_BREAK_SECONDS = 10  # Amazon Polly: one <break> is at most 10 s
MAX_LOOP_COUNT = 100  # the flow language's Loop: LoopCount 0-100 (a longer wait is offered after 101 checks)
DEFAULT_CHECK_SECONDS = 60
SPOKEN_SECONDS_PER_CHARACTER = 0.07  # ~14 characters a second of neural text-to-speech
CALLBACK_DIGIT, VOICEMAIL_DIGIT = "1", "2"


def hold_prompt_ssml(message: str, interval_seconds: int) -> str:
    """The hold message, then silence until ``interval_seconds`` have passed since it started."""
    silence = max(0, interval_seconds - math.ceil(len(message) * SPOKEN_SECONDS_PER_CHARACTER))
    whole, rest = divmod(silence, MAX_BREAK_SECONDS)
    breaks = [MAX_BREAK_SECONDS] * whole + ([rest] if rest else [])
    pauses = "".join(f'<break time="{seconds}s"/>' for seconds in breaks)
    return f"<speak>{escape(message, quote=False)}{pauses}</speak>"


def offer_after_checks(max_queue_seconds: int, check_seconds: int) -> int:
    """Loop count so that the offer comes at the first check at or after ``max_queue_seconds``."""
    return min(MAX_LOOP_COUNT, max(0, math.ceil(max_queue_seconds / max(1, check_seconds)) - 1))


def offers(experience: QueueExperience) -> str:
    options = (("callback", experience.callback.enabled), ("voicemail", experience.voicemail_enabled))
    chosen = [name for name, enabled in options if enabled]
    return "+".join(chosen) or "none"


def offer_prompt(experience: QueueExperience) -> str:
    parts = []
    if experience.callback.enabled:
        parts.append(
            f"To be called back within {experience.callback.max_wait_minutes} minutes, press {CALLBACK_DIGIT}."
        )
    if experience.voicemail_enabled:
        parts.append(f"To leave a message, press {VOICEMAIL_DIGIT}.")
    return " ".join([*parts, "To keep waiting, stay on the line."]) if parts else "none"


def flow_attributes(experience: QueueExperience, configured: bool, check_seconds: int) -> dict[str, str]:
    """What the inbound flow stores on the contact, every value a string."""
    return {
        "configured": str(configured).lower(),
        "welcomeMessage": experience.welcome_message,
        "holdMessage": experience.hold_message,
        "holdPromptSsml": hold_prompt_ssml(experience.hold_message, experience.prompt_interval_seconds),
        "promptIntervalSeconds": str(experience.prompt_interval_seconds),
        "maxQueueSeconds": str(experience.max_queue_seconds),
        "offerAfterChecks": str(offer_after_checks(experience.max_queue_seconds, check_seconds)),
        "offers": offers(experience),
        "offerPrompt": offer_prompt(experience),
        "callbackEnabled": str(experience.callback.enabled).lower(),
        "callbackMaxWaitMinutes": str(experience.callback.max_wait_minutes),
        "voicemailEnabled": str(experience.voicemail_enabled).lower(),
    }
