"""Records that cross function boundaries, validated with pydantic at every entry point."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

QueueId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
PhoneNumber = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{6,14}$")]  # E.164
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class _Strict(BaseModel):
    """Unknown fields are an error: a typo in a request must not be silently dropped. Numbers and
    booleans are ``Strict*``: "20" is not 20 and "yes" is not true."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NewQueue(_Strict):
    queue_id: QueueId
    name: Annotated[str, StringConstraints(min_length=1, max_length=127)]
    description: Annotated[str, StringConstraints(max_length=1024)] = ""
    connect_queue_arn: Annotated[str, StringConstraints(pattern=r"^arn:aws[a-z-]*:connect:")] | None = None


class CallbackOptions(_Strict):
    enabled: StrictBool = False
    max_wait_minutes: StrictInt = Field(default=30, ge=1, le=1440)


class NotificationTargets(_Strict):
    emails: list[Email] = Field(default_factory=list, max_length=20)
    phone_numbers: list[PhoneNumber] = Field(default_factory=list, max_length=20)


class QueueExperience(_Strict):
    """What a contact flow plays and offers while a caller waits; edited through the API."""

    welcome_message: ShortText = "Thank you for calling. Your call is important to us."
    hold_message: ShortText = "All of our agents are busy. Please stay on the line."
    prompt_interval_seconds: StrictInt = Field(default=60, ge=15, le=600)
    max_queue_seconds: StrictInt = Field(default=900, ge=60, le=7200)
    callback: CallbackOptions = CallbackOptions()
    voicemail_enabled: StrictBool = True
    notify: NotificationTargets = NotificationTargets()


class NewCallback(_Strict):
    queue_id: QueueId
    phone_number: PhoneNumber
    contact_id: Annotated[str, StringConstraints(min_length=1, max_length=256)] | None = None
    due_at: datetime | None = None


class CtrQueue(BaseModel):
    model_config = ConfigDict(extra="ignore")
    ARN: str | None = None
    Name: str | None = None


class CtrAgent(BaseModel):
    model_config = ConfigDict(extra="ignore")
    ARN: str
    Username: str | None = None


class CtrEndpoint(BaseModel):
    model_config = ConfigDict(extra="ignore")
    Address: str | None = None


class ContactTraceRecord(BaseModel):
    """The fields of an Amazon Connect contact trace record the platform keeps (others are ignored)."""

    model_config = ConfigDict(extra="ignore")
    ContactId: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    Channel: Literal["VOICE", "CHAT", "TASK", "EMAIL"]
    InitiationMethod: str
    PreviousContactId: str | None = None  # a callback contact: the contact that asked for it
    InitiationTimestamp: datetime
    DisconnectTimestamp: datetime | None = None
    LastUpdateTimestamp: datetime
    Queue: CtrQueue | None = None
    Agent: CtrAgent | None = None
    CustomerEndpoint: CtrEndpoint | None = None
    Attributes: dict[str, str] = Field(default_factory=dict)


class VoicemailReceived(BaseModel):
    """Detail of the ``VoicemailReceived`` platform event (voicemail -> EventBridge -> notification)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    voicemail_id: str
    bucket: str
    key: str
    queue_id: str | None = None
    caller: str | None = None
    contact_id: str | None = None
    duration_seconds: int | None = None
    transcript: str | None = None  # when transcription is on and Amazon Transcribe finished in time


EVENT_SOURCE = "contact-center.platform"
VOICEMAIL_RECEIVED = "VoicemailReceived"


def to_json_dict(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
