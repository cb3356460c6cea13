"""The emulator's Amazon Connect, through boto3 as the provider and our functions call it: answers
in the API reference's shapes, AWS's validation and errors, state that reads back what was written."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tools.emulator import Emulator, start_emulator

ValueOf = Callable[..., Any]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    running = start_emulator()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def aws(emulator: Emulator) -> Iterator[Callable[[str], Any]]:
    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=emulator.url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    yield client
    urllib.request.urlopen(urllib.request.Request(f"{emulator.url}/moto-api/reset", method="POST")).close()


@pytest.fixture
def connect(aws: Callable[[str], Any]) -> Any:
    return aws("connect")


def refused(code: str, call: ValueOf, **params: Any) -> str:
    """Call, expect the error ``code``, return its message."""
    with pytest.raises(ClientError) as error:
        call(**params)
    assert error.value.response["Error"]["Code"] == code, error.value.response
    return str(error.value.response["Error"]["Message"])


def new_instance(connect: Any, identity: str = "SAML") -> str:
    created = connect.create_instance(
        IdentityManagementType=identity,
        InstanceAlias=f"test-{identity.lower().replace('_', '-')}",
        InboundCallsEnabled=True,
        OutboundCallsEnabled=False,
    )
    return str(created["Id"])


def flow_content(*actions: dict[str, Any]) -> str:
    return json.dumps({"Version": "2019-10-30", "StartAction": actions[0]["Identifier"], "Actions": list(actions)})


def say(identifier: str, text: str, then: str) -> dict[str, Any]:
    return {
        "Identifier": identifier,
        "Type": "MessageParticipant",
        "Parameters": {"Text": text},
        "Transitions": {"NextAction": then, "Errors": [{"NextAction": then, "ErrorType": "NoMatchingError"}]},
    }


END = {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}


def hours(connect: Any, instance: str, name: str = "weekdays") -> str:
    config = [{"Day": "MONDAY", "StartTime": {"Hours": 8, "Minutes": 0}, "EndTime": {"Hours": 18, "Minutes": 0}}]
    created = connect.create_hours_of_operation(InstanceId=instance, Name=name, TimeZone="UTC", Config=config)
    return str(created["HoursOfOperationId"])


def test_an_instance_is_active_at_once_with_its_attributes_and_gone_after_delete(connect: Any) -> None:
    instance = new_instance(connect)
    described = connect.describe_instance(InstanceId=instance)["Instance"]
    assert (described["InstanceStatus"], described["IdentityManagementType"]) == ("ACTIVE", "SAML")
    assert described["Arn"] == f"arn:aws:connect:us-east-1:123456789012:instance/{instance}"
    assert described["Tags"] == {} and described["OutboundCallsEnabled"] is False
    value = connect.describe_instance_attribute(InstanceId=instance, AttributeType="OUTBOUND_CALLS")["Attribute"]
    assert value == {"AttributeType": "OUTBOUND_CALLS", "Value": "false"}
    connect.update_instance_attribute(InstanceId=instance, AttributeType="CONTACTFLOW_LOGS", Value="true")
    logs = connect.describe_instance_attribute(InstanceId=instance, AttributeType="CONTACTFLOW_LOGS")["Attribute"]
    assert logs["Value"] == "true"
    defaults = {q["Name"] for q in connect.list_queues(InstanceId=instance)["QueueSummaryList"]}
    assert defaults == {"BasicQueue"}  # what AWS creates in a new instance
    connect.delete_instance(InstanceId=instance)
    refused("ResourceNotFoundException", connect.describe_instance, InstanceId=instance)


def test_names_are_unique_and_what_a_resource_points_at_must_exist(connect: Any) -> None:
    instance = new_instance(connect)
    weekdays = hours(connect, instance)
    assert "already exists" in refused("DuplicateResourceException", hours, connect=connect, instance=instance)
    message = refused(
        "ResourceNotFoundException",
        connect.create_queue,
        InstanceId=instance,
        Name="support",
        HoursOfOperationId="no-such-hours",
    )
    assert "hours of operation no-such-hours not found" in message
    queue = connect.create_queue(InstanceId=instance, Name="support", HoursOfOperationId=weekdays, MaxContacts=5)
    described = connect.describe_queue(InstanceId=instance, QueueId=queue["QueueId"])["Queue"]
    assert described["Status"] == "ENABLED" and described["MaxContacts"] == 5 and described["Tags"] == {}
    assert "OutboundCallerConfig" not in described  # an empty optional object is omitted, as the provider needs
    message = refused(
        "ResourceInUseException", connect.delete_hours_of_operation, InstanceId=instance, HoursOfOperationId=weekdays
    )
    assert "queue 'support'" in message


def test_requests_are_checked_against_the_api_model(connect: Any) -> None:
    instance = new_instance(connect)
    message = refused(
        "InvalidParameterException",
        connect.create_hours_of_operation,
        InstanceId=instance,
        Name="x" * 128,
        TimeZone="UTC",
        Config=[],
    )
    assert "Name must have at most 127 characters" in message
    message = refused(
        "InvalidRequestException", connect.create_prompt, InstanceId=instance, Name="p", S3Uri="s3://bucket/prompt.wav"
    )
    assert "does not implement connect:CreatePrompt" in message


def test_routing_profiles_check_concurrency_and_list_their_queues(connect: Any) -> None:
    instance = new_instance(connect)
    queue = connect.create_queue(InstanceId=instance, Name="support", HoursOfOperationId=hours(connect, instance))
    queue_id = queue["QueueId"]
    message = refused(
        "InvalidParameterException",
        connect.create_routing_profile,
        InstanceId=instance,
        Name="agents",
        Description="d",
        DefaultOutboundQueueId=queue_id,
        MediaConcurrencies=[{"Channel": "VOICE", "Concurrency": 2}],
    )
    assert "VOICE concurrency must be exactly 1, not 2" in message
    profile = connect.create_routing_profile(
        InstanceId=instance,
        Name="agents",
        Description="d",
        DefaultOutboundQueueId=queue_id,
        MediaConcurrencies=[{"Channel": "VOICE", "Concurrency": 1}],
        QueueConfigs=[{"QueueReference": {"QueueId": queue_id, "Channel": "VOICE"}, "Priority": 1, "Delay": 0}],
    )["RoutingProfileId"]
    reference = {"QueueId": queue_id, "Channel": "VOICE"}
    connect.disassociate_routing_profile_queues(
        InstanceId=instance, RoutingProfileId=profile, QueueReferences=[reference]
    )
    connect.associate_routing_profile_queues(
        InstanceId=instance,
        RoutingProfileId=profile,
        QueueConfigs=[{"QueueReference": reference, "Priority": 3, "Delay": 20}],
    )
    [served] = connect.list_routing_profile_queues(InstanceId=instance, RoutingProfileId=profile)[
        "RoutingProfileQueueConfigSummaryList"
    ]
    assert served == {
        "QueueId": queue_id,
        "QueueArn": queue["QueueArn"],
        "QueueName": "support",
        "Priority": 3,
        "Delay": 20,
        "Channel": "VOICE",
    }
    assert "routing profile 'agents'" in refused(
        "ResourceInUseException", connect.delete_queue, InstanceId=instance, QueueId=queue_id
    )


def test_a_published_flow_is_checked_like_aws_and_stored_as_given(connect: Any, aws: Callable[[str], Any]) -> None:
    instance = new_instance(connect)
    dangling = flow_content(say("hello", "Hi", "gone"))
    message = refused(
        "InvalidContactFlowException",
        connect.create_contact_flow,
        InstanceId=instance,
        Name="f",
        Type="CONTACT_FLOW",
        Content=dangling,
    )
    assert "action 'hello': goes to 'gone', which is not an action of this flow" in message
    other = f"arn:aws:connect:us-east-1:123456789012:instance/{instance}/queue/no-such-queue"
    to_queue = {
        "Identifier": "q",
        "Type": "UpdateContactTargetQueue",
        "Parameters": {"QueueId": other},
        "Transitions": {"NextAction": "end", "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}]},
    }
    message = refused(
        "InvalidContactFlowException",
        connect.create_contact_flow,
        InstanceId=instance,
        Name="f",
        Type="CONTACT_FLOW",
        Content=flow_content(to_queue, END),
    )
    assert f"{other} is not a queue of this instance" in message
    draft = connect.create_contact_flow(
        InstanceId=instance, Name="draft", Type="CONTACT_FLOW", Content=dangling, Status="SAVED"
    )
    assert draft["FlowContentSha256"]  # a saved draft is not published, so not checked
    text = "{\n  " + flow_content(say("hello", "Hi", "end"), END)[1:]
    flow = connect.create_contact_flow(InstanceId=instance, Name="hello", Type="CONTACT_FLOW", Content=text)
    described = connect.describe_contact_flow(InstanceId=instance, ContactFlowId=flow["ContactFlowId"])["ContactFlow"]
    assert described["Content"] == text and described["Type"] == "CONTACT_FLOW" and described["Tags"] == {}
    module = connect.create_contact_flow_module(InstanceId=instance, Name="m", Content=flow_content(END))
    assert set(module) >= {"Id", "Arn"}


def test_agents_follow_the_instance_identity(connect: Any) -> None:
    saml = new_instance(connect)
    queue = connect.create_queue(InstanceId=saml, Name="support", HoursOfOperationId=hours(connect, saml))["QueueId"]
    profile = connect.create_routing_profile(
        InstanceId=saml,
        Name="agents",
        Description="d",
        DefaultOutboundQueueId=queue,
        MediaConcurrencies=[{"Channel": "VOICE", "Concurrency": 1}],
    )
    security = connect.create_security_profile(
        InstanceId=saml, SecurityProfileName="agent", Permissions=["BasicAgentAccess"]
    )["SecurityProfileId"]
    user = {
        "InstanceId": saml,
        "Username": "ana",
        "RoutingProfileId": profile["RoutingProfileId"],
        "SecurityProfileIds": [security],
        "PhoneConfig": {"PhoneType": "SOFT_PHONE"},
        "IdentityInfo": {"FirstName": "Ana", "LastName": "Agent"},
    }
    assert "Password must not be given with SAML" in refused(
        "InvalidParameterException", connect.create_user, **user, Password="Secret123"
    )
    refused("InvalidParameterException", connect.create_user, **{**user, "IdentityInfo": {"FirstName": "Ana"}})
    created = connect.create_user(**user)
    described = connect.describe_user(InstanceId=saml, UserId=created["UserId"])["User"]
    assert described["PhoneConfig"] == {"PhoneType": "SOFT_PHONE", "AutoAccept": False, "AfterContactWorkTimeLimit": 0}
    assert "user 'ana'" in refused(
        "ResourceInUseException",
        connect.delete_routing_profile,
        InstanceId=saml,
        RoutingProfileId=profile["RoutingProfileId"],
    )
    managed = new_instance(connect, "CONNECT_MANAGED")
    assert "Password is required" in refused(
        "InvalidParameterException", connect.create_user, **{**user, "InstanceId": managed}
    )


def test_quick_connects_and_hierarchy(connect: Any) -> None:
    instance = new_instance(connect)
    queue = connect.create_queue(InstanceId=instance, Name="billing", HoursOfOperationId=hours(connect, instance))
    transfer = connect.create_contact_flow(
        InstanceId=instance, Name="to-queue", Type="QUEUE_TRANSFER", Content=flow_content(END)
    )["ContactFlowId"]
    inbound = connect.create_contact_flow(
        InstanceId=instance, Name="inbound", Type="CONTACT_FLOW", Content=flow_content(END)
    )["ContactFlowId"]
    config = {"QuickConnectType": "QUEUE", "QueueConfig": {"QueueId": queue["QueueId"], "ContactFlowId": inbound}}
    message = refused(
        "InvalidParameterException",
        connect.create_quick_connect,
        InstanceId=instance,
        Name="q",
        QuickConnectConfig=config,
    )
    assert "is a CONTACT_FLOW flow, not a QUEUE_TRANSFER flow" in message
    config["QueueConfig"]["ContactFlowId"] = transfer
    created = connect.create_quick_connect(InstanceId=instance, Name="q", QuickConnectConfig=config)
    described = connect.describe_quick_connect(InstanceId=instance, QuickConnectId=created["QuickConnectId"])
    assert described["QuickConnect"]["QuickConnectConfig"] == config
    assert described["QuickConnect"]["QuickConnectARN"] == created["QuickConnectARN"]
    message = refused("InvalidParameterException", connect.create_user_hierarchy_group, InstanceId=instance, Name="hq")
    assert "needs UpdateUserHierarchyStructure first" in message
    connect.update_user_hierarchy_structure(
        InstanceId=instance, HierarchyStructure={"LevelOne": {"Name": "Site"}, "LevelTwo": {"Name": "Team"}}
    )
    top = connect.create_user_hierarchy_group(InstanceId=instance, Name="hq")["HierarchyGroupId"]
    team = connect.create_user_hierarchy_group(InstanceId=instance, Name="team", ParentGroupId=top)["HierarchyGroupId"]
    path = connect.describe_user_hierarchy_group(InstanceId=instance, HierarchyGroupId=team)["HierarchyGroup"]
    assert (path["LevelId"], path["HierarchyPath"]["LevelOne"]["Name"], path["HierarchyPath"]["LevelTwo"]["Name"]) == (
        "2",
        "hq",
        "team",
    )


def test_phone_numbers_are_fictional_claimed_routed_and_released(connect: Any) -> None:
    instance = new_instance(connect)
    arn = connect.describe_instance(InstanceId=instance)["Instance"]["Arn"]
    [offer] = connect.search_available_phone_numbers(
        TargetArn=arn, PhoneNumberCountryCode="US", PhoneNumberType="DID", MaxResults=1
    )["AvailableNumbersList"]
    assert offer["PhoneNumber"].startswith("+1202555")  # 555-01xx: reserved for fiction
    claimed = connect.claim_phone_number(TargetArn=arn, PhoneNumber=offer["PhoneNumber"], PhoneNumberDescription="main")
    summary = connect.describe_phone_number(PhoneNumberId=claimed["PhoneNumberId"])["ClaimedPhoneNumberSummary"]
    assert summary["PhoneNumberStatus"] == {"Status": "CLAIMED"} and summary["PhoneNumberDescription"] == "main"
    hold = connect.create_contact_flow(
        InstanceId=instance, Name="hold", Type="CUSTOMER_QUEUE", Content=flow_content(END)
    )["ContactFlowId"]
    message = refused(
        "InvalidParameterException",
        connect.associate_phone_number_contact_flow,
        PhoneNumberId=claimed["PhoneNumberId"],
        InstanceId=instance,
        ContactFlowId=hold,
    )
    assert "only go to a CONTACT_FLOW flow" in message
    inbound = connect.create_contact_flow(
        InstanceId=instance, Name="inbound", Type="CONTACT_FLOW", Content=flow_content(END)
    )
    connect.associate_phone_number_contact_flow(
        PhoneNumberId=claimed["PhoneNumberId"], InstanceId=instance, ContactFlowId=inbound["ContactFlowId"]
    )
    [association] = connect.list_flow_associations(InstanceId=instance)["FlowAssociationSummaryList"]
    assert association == {
        "ResourceId": claimed["PhoneNumberArn"],
        "FlowId": inbound["ContactFlowArn"],
        "ResourceType": "VOICE_PHONE_NUMBER",
    }
    connect.release_phone_number(PhoneNumberId=claimed["PhoneNumberId"])
    refused("ResourceNotFoundException", connect.describe_phone_number, PhoneNumberId=claimed["PhoneNumberId"])


def test_tags_are_read_back_from_describe_and_pages_follow_tokens(connect: Any) -> None:
    instance = new_instance(connect)
    queue = connect.create_queue(
        InstanceId=instance, Name="a", HoursOfOperationId=hours(connect, instance), Tags={"team": "one"}
    )
    connect.tag_resource(resourceArn=queue["QueueArn"], tags={"cost": "cc"})
    connect.untag_resource(resourceArn=queue["QueueArn"], tagKeys=["team"])
    assert connect.describe_queue(InstanceId=instance, QueueId=queue["QueueId"])["Queue"]["Tags"] == {"cost": "cc"}
    names = [
        q["Name"]
        for page in connect.get_paginator("list_queues").paginate(InstanceId=instance, PaginationConfig={"PageSize": 1})
        for q in page["QueueSummaryList"]
    ]
    assert sorted(names) == ["BasicQueue", "a"]


def test_storage_must_match_its_resource_type_and_exist(connect: Any, aws: Callable[[str], Any]) -> None:
    instance = new_instance(connect)
    message = refused(
        "InvalidParameterException",
        connect.associate_instance_storage_config,
        InstanceId=instance,
        ResourceType="CONTACT_TRACE_RECORDS",
        StorageConfig={"StorageType": "S3", "S3Config": {"BucketName": "b", "BucketPrefix": "p"}},
    )
    assert "CONTACT_TRACE_RECORDS takes KINESIS_FIREHOSE or KINESIS_STREAM storage, not S3" in message
    recordings = {"StorageType": "S3", "S3Config": {"BucketName": "recordings", "BucketPrefix": "calls"}}
    message = refused(
        "InvalidParameterException",
        connect.associate_instance_storage_config,
        InstanceId=instance,
        ResourceType="CALL_RECORDINGS",
        StorageConfig=recordings,
    )
    assert "bucket recordings does not exist" in message
    aws("s3").create_bucket(Bucket="recordings")
    association = connect.associate_instance_storage_config(
        InstanceId=instance, ResourceType="CALL_RECORDINGS", StorageConfig=recordings
    )["AssociationId"]
    stored = connect.describe_instance_storage_config(
        InstanceId=instance, AssociationId=association, ResourceType="CALL_RECORDINGS"
    )["StorageConfig"]
    assert stored == {"AssociationId": association, **recordings}
    refused(
        "ResourceConflictException",
        connect.associate_instance_storage_config,
        InstanceId=instance,
        ResourceType="CALL_RECORDINGS",
        StorageConfig=recordings,
    )


def test_moto_still_serves_everything_else_and_reset_clears_connect(emulator: Emulator, connect: Any, aws: Any) -> None:
    new_instance(connect)
    aws("sqs").create_queue(QueueName="still-moto")
    assert aws("sqs").list_queues()["QueueUrls"][0].endswith("/still-moto")
    urllib.request.urlopen(urllib.request.Request(f"{emulator.url}/moto-api/reset", method="POST")).close()
    assert connect.list_instances()["InstanceSummaryList"] == []
