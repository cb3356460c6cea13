"""Where a voicemail lives in the voicemail bucket, and what its tags say: written by the packager,
read by the voicemail function (one definition for both).

Key: ``voicemail/<queue-id>/<contact-id>.wav``. One object per contact, so a re-delivered record
finds the object already there instead of writing a second one. Tags: ``caller`` (E.164),
``queue-id``, ``contact-id``, ``duration-seconds``.
"""

from __future__ import annotations

import re

PREFIX = "voicemail/"
# Amazon Transcribe's output, when transcription is on: outside ``PREFIX``, so it notifies nobody.
TRANSCRIPTS_PREFIX = "voicemail-transcripts/"
KEY_LAYOUT = re.compile(r"^voicemail/(?P<queue>[a-z0-9][a-z0-9-]{0,62})/(?P<contact>[^/]+)\.[a-z0-9]+$")
QUEUE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
CALLER, QUEUE, CONTACT, DURATION = "caller", "queue-id", "contact-id", "duration-seconds"


def voicemail_key(queue_id: str, contact_id: str) -> str:
    """The object key of a contact's voicemail (``queue_id`` as the flows name queues)."""
    return f"{PREFIX}{queue_id}/{contact_id}.wav"


def transcript_key(queue_id: str, contact_id: str) -> str:
    """Where Amazon Transcribe writes the transcript of a contact's voicemail."""
    return f"{TRANSCRIPTS_PREFIX}{queue_id}/{contact_id}.json"
