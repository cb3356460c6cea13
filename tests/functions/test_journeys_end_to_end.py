"""The architecture's data flows end to end, on one machine, asserting the data at every hop.

- Contact processing: a caller -> the prod flows (contact simulator, the real queue_experience
  answering) -> an agent -> the contact's CTR on the CTR stream -> post_call -> PostgreSQL -> ``GET
  /v1/contacts/{id}`` through the authorizer with a signed JWT -> core_api.
- Voice Mail Flow: a caller after hours -> the flows -> Connect streams the caller's audio to Kinesis
  Video Streams (ffmpeg-encoded Matroska, PutMedia) -> the CTR -> the event filter -> voicemail_packager
  -> a WAV in the voicemail bucket -> the bucket's notification -> voicemail -> PostgreSQL + a
  VoicemailReceived event -> the rule's delivery -> notification -> an email and an SMS whose link
  downloads the WAV.

AWS is the project's emulator served in this process (``emulator_in_process``: moto's backends plus
our Kinesis Video media plugin), so what each hop wrote is read back from the same store the next hop
reads. Where AWS would invoke a function, the test invokes the real handler with the event AWS would
send, built from what the previous hop left in the emulator (the stream record, the object, the
delivered event, the authorizer's answer).
"""

from __future__ import annotations

import io
import json
import wave
from collections.abc import Mapping
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any

import boto3
import pytest
import requests

from modules.connect_flows.simulator import Caller
from modules.naming import Function
from tests.functions.events import api_request, s3_object_created
from tests.functions.journeys import contact_ids, ctr_of, delivered_by_the_mapping
from tests.functions.test_authorizer import AUDIENCE, ISSUER, JWKS, token
from tests.functions.test_contact_journeys import CLOSED, OPEN, Contact, contact, store_experience  # noqa: F401
from tests.functions.test_notification import SENDER, sent_emails, sent_sms
from tests.media import SAMPLE_RATE, caller_pcm, connect_stream, put_media

BUCKET = "cc-test-voicemail"
API = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/v1"
CTR_STREAM = "cc-test-ctr"
SECONDS = 4


@pytest.mark.functions
def test_a_callers_voicemail_reaches_the_queues_owners_by_email_and_sms(
    contact: Contact,  # noqa: F811 - the fixture imported above
    emulator_in_process: str,
    aws: Any,
    table: str,
    database: str,
    postgres: Any,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import notification
    import voicemail
    import voicemail_packager

    monkeypatch.setenv("VOICEMAIL_BUCKET", BUCKET)
    monkeypatch.setenv("SENDER_EMAIL", SENDER)
    monkeypatch.setenv("PRESIGNED_URL_SECONDS", "900")
    s3, kinesis, sqs, events = (aws.client(s) for s in ("s3", "kinesis", "sqs", "events"))
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    kinesis.create_stream(StreamName=CTR_STREAM, ShardCount=1)
    aws.client("ses").verify_email_identity(EmailAddress=SENDER)
    # The voicemail-received rule, delivering to a queue where the test picks the event up as the rule's
    # Lambda target would receive it.
    inbox = sqs.create_queue(QueueName="voicemail-received")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="voicemail-received", EventPattern=json.dumps({"detail-type": ["VoicemailReceived"]}))
    events.put_targets(Rule="voicemail-received", Targets=[{"Id": "notification", "Arn": inbox_arn}])
    store_experience(aws, table, "billing", voicemail_enabled=True,
                     notify={"emails": ["billing-lead@example.com"], "phone_numbers": ["+14155550111"]})  # fmt: skip

    # 1. The caller, after hours, picks billing and leaves a message; Connect streams it to KVS.
    streamed: dict[str, Any] = {}

    def connect_streams(caller: Caller) -> Mapping[str, str]:
        video = boto3.client("kinesisvideo", region_name="us-east-1")
        name = f"cc-prod-media-connect-{contact.config.connect.instance_alias}-contact-{caller.contact_id}"
        arn = video.create_stream(StreamName=name, DataRetentionInHours=24)["StreamARN"]
        acks = put_media(emulator_in_process, arn, connect_stream(caller.contact_id, SECONDS))
        streamed.update(arn=arn, fragments=[a["FragmentNumber"] for a in acks])
        return {"StreamARN": arn, "StartFragmentNumber": acks[0]["FragmentNumber"],
                "StartTimestamp": str(int(caller.when.timestamp() * 1000))}  # fmt: skip

    caller = Caller(CLOSED, keys=["2", "#"], contact_id="c-vm-1")
    journey = contact.call(caller, stream_media=connect_streams)
    assert journey.ended == "voicemail recorded" and journey.streaming == ["Enabled", "Disabled"]
    assert journey.attributes["voicemailQueue"] == "billing"
    assert journey.attributes["voicemailStreamArn"] == streamed["arn"]
    assert journey.attributes["voicemailStartFragment"] == streamed["fragments"][0]

    # 2. The contact ends: its CTR goes to the CTR stream (with an unrelated contact's before it).
    ended = datetime.now(UTC)
    other = Caller(CLOSED, contact_id="c-other")
    for record in (ctr_of(other, None, ended), ctr_of(caller, journey, ended)):
        kinesis.put_record(StreamName=CTR_STREAM, Data=json.dumps(record).encode(), PartitionKey=record["ContactId"])

    # 3. The packager's mapping passes only the voicemail; the packager writes the WAV.
    batch = delivered_by_the_mapping(kinesis, CTR_STREAM, Function.VOICEMAIL_PACKAGER)
    assert contact_ids(batch) == ["c-vm-1"]
    assert voicemail_packager.handler(batch, lambda_context) == {"batchItemFailures": []}
    key = "voicemail/billing/c-vm-1.wav"
    stored = s3.get_object(Bucket=BUCKET, Key=key)
    audio = stored["Body"].read()
    with wave.open(io.BytesIO(audio)) as wav:
        assert (wav.getframerate(), wav.getnframes()) == (SAMPLE_RATE, SECONDS * SAMPLE_RATE)
        assert wav.readframes(wav.getnframes()) == caller_pcm(SECONDS)

    # 4. The bucket notifies voicemail: a row, and the event on the default bus.
    notice = s3_object_created(BUCKET, key, stored["ContentLength"], stored["VersionId"])
    recorded = voicemail.handler(notice, lambda_context)
    with postgres.connect(database) as connection:
        row = connection.execute("SELECT voicemail_id, queue_id, caller, contact_id, duration_seconds FROM voicemails")
        [(voicemail_id, *details)] = row.fetchall()
    assert recorded["voicemails"] == [str(voicemail_id)]
    assert details == ["billing", caller.number, "c-vm-1", SECONDS]
    [message] = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10)["Messages"]
    event = json.loads(message["Body"])
    assert event["detail-type"] == "VoicemailReceived" and event["detail"]["key"] == key

    # 5. The rule delivers it to notification: an email and an SMS with a link that downloads the message.
    assert notification.handler(event, lambda_context) == {"detail_type": "VoicemailReceived", "sent": 2}
    [email] = sent_emails()
    assert email.destinations["ToAddresses"] == ["billing-lead@example.com"]
    link = next(word for word in email.body.split() if word.startswith("http"))
    [(number, text)] = sent_sms()
    assert number == "+14155550111" and link in text
    download = requests.get(link, timeout=10)
    assert download.status_code == 200 and download.content == audio


def allows(policy: Mapping[str, Any], method_arn: str) -> bool:
    """Whether an authorizer's policy lets API Gateway call ``method_arn`` (``*`` matches any run)."""

    def resources(effect: str) -> list[str]:
        found = [s["Resource"] for s in policy["policyDocument"]["Statement"] if s["Effect"] == effect]
        return [r for item in found for r in ([item] if isinstance(item, str) else item)]

    allowed = any(fnmatchcase(method_arn, resource) for resource in resources("Allow"))
    return allowed and not any(fnmatchcase(method_arn, resource) for resource in resources("Deny"))


@pytest.mark.functions
def test_a_call_answered_by_an_agent_is_stored_and_read_back_through_the_api(
    contact: Contact,  # noqa: F811 - the fixture imported above
    emulator_in_process: str,
    aws: Any,
    table: str,
    database: str,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import authorizer
    import core_api
    import post_call

    kinesis = aws.client("kinesis")
    kinesis.create_stream(StreamName=CTR_STREAM, ShardCount=1)
    secret = aws.client("secretsmanager").create_secret(Name="cc/api/jwt-keys", SecretString=json.dumps(JWKS))
    for variable, value in {"JWT_SECRET_ARN": secret["ARN"], "JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE}.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.delenv("JWT_JWKS_URL", raising=False)
    store_experience(aws, table, "support", welcome_message="Welcome to support.")

    # 1. In hours, the caller picks support and an agent answers after one check.
    caller = Caller(OPEN, keys=["1"], agent_answers_after_checks=1, contact_id="c-in-1")
    journey = contact.call(caller)
    assert journey.ended == "connected to an agent" and journey.queue == contact.queue("support")
    assert "Welcome to support." in journey.heard

    # 2. The contact ends: Connect writes its CTR to the CTR stream; post_call's mapping delivers it.
    agent = "arn:aws:connect:us-east-1:123456789012:instance/i-1/agent/a-7"
    record = ctr_of(caller, journey, datetime.now(UTC), Queue={"ARN": journey.queue, "Name": "support"},
                    Agent={"ARN": agent, "Username": "agent7"})  # fmt: skip
    kinesis.put_record(StreamName=CTR_STREAM, Data=json.dumps(record).encode(), PartitionKey=caller.contact_id)
    batch = delivered_by_the_mapping(kinesis, CTR_STREAM, Function.POST_CALL)
    assert contact_ids(batch) == ["c-in-1"]
    assert post_call.handler(batch, lambda_context) == {"batchItemFailures": []}

    # 3. A supervisor's client asks for the contact: API Gateway asks the authorizer, then calls core_api.
    method_arn = f"{API}/GET/v1/contacts/c-in-1"
    header = f"Bearer {token(scope='contact-center/read')}"
    policy = authorizer.handler(
        {"type": "TOKEN", "authorizationToken": header, "methodArn": method_arn}, lambda_context
    )
    assert allows(policy, method_arn) and policy["principalId"] == "agent-7"
    assert not allows(policy, f"{API}/POST/v1/callbacks")  # read scope only
    request = api_request("GET", "/v1/contacts/c-in-1")
    request["requestContext"]["authorizer"] = {"principalId": policy["principalId"], **policy["context"]}
    answer = core_api.handler(request, lambda_context)
    assert answer["statusCode"] == 200, answer["body"]
    stored = json.loads(answer["body"])
    assert (stored["contact_id"], stored["channel"], stored["queue_name"]) == ("c-in-1", "VOICE", "support")
    assert stored["queue_arn"] == journey.queue and stored["agent_arn"] == agent
    assert stored["customer_endpoint"] == caller.number and stored["attributes"]["queueId"] == "support"


@pytest.mark.functions
def test_a_caller_who_asks_for_a_callback_is_queued_recorded_and_called_back_by_an_agent(
    contact: Contact,  # noqa: F811 - the fixture imported above
    emulator_in_process: str,
    aws: Any,
    table: str,
    database: str,
    lambda_context: Any,
) -> None:
    import core_api
    import post_call

    kinesis = aws.client("kinesis")
    kinesis.create_stream(StreamName=CTR_STREAM, ShardCount=1)
    store_experience(aws, table, "support", max_queue_seconds=120, callback={"enabled": True, "max_wait_minutes": 20})

    def callbacks(status: str) -> list[dict[str, Any]]:
        answer = core_api.handler(api_request("GET", "/v1/callbacks", query={"status": status}), lambda_context)
        assert answer["statusCode"] == 200, answer["body"]
        return list(json.loads(answer["body"])["items"])

    # 1. On hold, the caller presses 1 for a callback: the flow sets the number and Connect queues it.
    caller = Caller(OPEN, keys=["1", "1"], contact_id="c-cb-1")
    journey = contact.call(caller)
    assert journey.ended == "callback queued" and journey.attributes["callbackRequested"] == "true"
    [queued] = journey.callbacks
    assert (queued["queue"], queued["number"]) == (contact.queue("support"), caller.number)

    # 2. The caller's CTR (delivered twice, as a stream may) records the callback through the callback model.
    ended = datetime.now(UTC)
    record = ctr_of(caller, journey, ended, Queue={"ARN": queued["queue"], "Name": "support"})
    for _ in range(2):
        kinesis.put_record(StreamName=CTR_STREAM, Data=json.dumps(record).encode(), PartitionKey=caller.contact_id)
    batch = delivered_by_the_mapping(kinesis, CTR_STREAM, Function.POST_CALL)
    assert post_call.handler(batch, lambda_context) == {"batchItemFailures": []}
    [waiting] = callbacks("QUEUED")
    assert (waiting["queue_id"], waiting["contact_id"], waiting["phone_number"]) == ("support", "c-cb-1", caller.number)
    assert callbacks("PENDING") == []  # Connect dials it: nobody else is asked to

    # 3. Connect's callback contact reaches an agent of the queue; its CTR arrives when the agent is done.
    agent = "arn:aws:connect:us-east-1:123456789012:instance/i-1/agent/a-9"
    callback_contact = Caller(OPEN, contact_id="c-cb-1-callback", number=queued["number"])
    answered = ctr_of(callback_contact, None, datetime.now(UTC), InitiationMethod="CALLBACK",
                      PreviousContactId="c-cb-1", Queue={"ARN": queued["queue"], "Name": "support"},
                      Agent={"ARN": agent, "Username": "agent9"})  # fmt: skip
    kinesis.put_record(StreamName=CTR_STREAM, Data=json.dumps(answered).encode(), PartitionKey="c-cb-1-callback")
    batch = delivered_by_the_mapping(kinesis, CTR_STREAM, Function.POST_CALL)  # the whole stream, replayed
    assert post_call.handler(batch, lambda_context) == {"batchItemFailures": []}
    assert callbacks("QUEUED") == []
    [done] = callbacks("COMPLETED")
    assert (done["contact_id"], done["agent_arn"], done["status"]) == ("c-cb-1", agent, "COMPLETED")
    answer = core_api.handler(api_request("GET", "/v1/contacts/c-cb-1-callback"), lambda_context)
    contact_row = json.loads(answer["body"])
    assert (contact_row["initiation_method"], contact_row["agent_arn"]) == ("CALLBACK", agent)
