"""Amazon Connect for the local emulator: the API the provider and our functions call, with state.

moto serves only Connect instance CRUD, and its DescribeInstance answer breaks the provider, so
the emulator server (``tools/emulator_server.py``) sends every Connect request here instead. Each
operation is a method named as in the API reference, taking and returning the request and answer
as plain dicts (``rest_json.Protocol`` does the HTTP side, from botocore's model). State is per
account and region, behind one lock, read-after-write consistent as the provider needs.

What AWS validates is validated the same way: names unique per instance (DuplicateResourceException),
every id a resource points at exists in the same instance (ResourceNotFoundException), resources in
use are not deleted (ResourceInUseException), published flow content follows the flow language and
points at what exists (InvalidContactFlowException, ``connect_flows.py``), storage points at buckets,
streams and keys that exist, a routing profile's concurrency per channel, user identity by the
instance's identity management type. What hashicorp/aws needs beyond the reference is answered
too: ``Tags`` always returned, empty optional objects omitted, a new queue ENABLED, a new instance
ACTIVE at once, a module's create answer carrying ``Id``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID

from modules.connect_flows.language import FlowType
from tools.emulator_plugins import peers
from tools.emulator_plugins.connect_flows import InstanceView, problems
from tools.emulator_plugins.rest_json import ServiceError

INSTANCE_ATTRIBUTES = {  # AttributeType -> its value on a new instance
    "INBOUND_CALLS": "true",
    "OUTBOUND_CALLS": "true",
    "CONTACTFLOW_LOGS": "false",
    "CONTACT_LENS": "true",
    "AUTO_RESOLVE_BEST_VOICES": "true",
    "USE_CUSTOM_TTS_VOICES": "false",
    "EARLY_MEDIA": "true",
    "MULTI_PARTY_CONFERENCE": "false",
    "HIGH_VOLUME_OUTBOUND": "false",
    "ENHANCED_CONTACT_MONITORING": "false",
    "ENHANCED_CHAT_MONITORING": "false",
    "MULTI_PARTY_CHAT_CONFERENCE": "false",
}
# Which storage each resource type takes (AssociateInstanceStorageConfig's reference).
STORAGE_TYPES = {
    "CALL_RECORDINGS": {"S3"},
    "CHAT_TRANSCRIPTS": {"S3"},
    "SCHEDULED_REPORTS": {"S3"},
    "SCREEN_RECORDINGS": {"S3"},
    "ATTACHMENTS": {"S3"},
    "CONTACT_EVALUATIONS": {"S3"},
    "EMAIL_MESSAGES": {"S3"},
    "MEDIA_STREAMS": {"KINESIS_VIDEO_STREAM"},
    "CONTACT_TRACE_RECORDS": {"KINESIS_STREAM", "KINESIS_FIREHOSE"},
    "AGENT_EVENTS": {"KINESIS_STREAM", "KINESIS_FIREHOSE"},
    "REAL_TIME_CONTACT_ANALYSIS_SEGMENTS": {"KINESIS_STREAM"},
    "REAL_TIME_CONTACT_ANALYSIS_CHAT_SEGMENTS": {"KINESIS_STREAM"},
    "REAL_TIME_CONTACT_ANALYSIS_VOICE_SEGMENTS": {"KINESIS_STREAM"},
}
STORAGE_CONFIG_FIELDS = {
    "S3": "S3Config",
    "KINESIS_VIDEO_STREAM": "KinesisVideoStreamConfig",
    "KINESIS_STREAM": "KinesisStreamConfig",
    "KINESIS_FIREHOSE": "KinesisFirehoseConfig",
}
MAX_LAMBDA_FUNCTIONS = 50  # Amazon Connect's default quota per instance
MAX_CONCURRENCY = {"VOICE": 1, "CHAT": 10, "TASK": 10, "EMAIL": 10}
HIERARCHY_LEVELS = ("LevelOne", "LevelTwo", "LevelThree", "LevelFour", "LevelFive")
# Numbers reserved for fiction, so a local number can never ring anyone: NANP 555-0100..0199
# (US, CA), Ofcom's drama range (GB), ACMA's (AU).
FICTIONAL_NUMBERS = {
    ("US", "DID"): ("+1202555", 100, 199, 4),
    ("US", "TOLL_FREE"): ("+1800555", 100, 199, 4),
    ("CA", "DID"): ("+1416555", 100, 199, 4),
    ("CA", "TOLL_FREE"): ("+1888555", 100, 199, 4),
    ("GB", "DID"): ("+4420794600", 0, 99, 2),
    ("AU", "DID"): ("+61491570", 0, 999, 3),
}


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Kind:
    """One kind of resource inside an instance, as the API names it."""

    segment: str  # in its ARN: instance/<id>/<segment>/<id>
    label: str  # in messages
    describe_key: str  # DescribeX's top-level member
    id_field: str  # the id's member in DescribeX
    arn_field: str  # the ARN's member in DescribeX
    name_field: str  # the name's member in DescribeX
    list_key: str  # ListXs' member
    modified: bool = True  # DescribeX has LastModifiedTime/LastModifiedRegion


HOURS = Kind(
    "operating-hours",
    "hours of operation",
    "HoursOfOperation",
    "HoursOfOperationId",
    "HoursOfOperationArn",
    "Name",
    "HoursOfOperationSummaryList",
)
QUEUE = Kind("queue", "queue", "Queue", "QueueId", "QueueArn", "Name", "QueueSummaryList")
ROUTING_PROFILE = Kind(
    "routing-profile",
    "routing profile",
    "RoutingProfile",
    "RoutingProfileId",
    "RoutingProfileArn",
    "Name",
    "RoutingProfileSummaryList",
)
SECURITY_PROFILE = Kind(
    "security-profile",
    "security profile",
    "SecurityProfile",
    "Id",
    "Arn",
    "SecurityProfileName",
    "SecurityProfileSummaryList",
)
FLOW = Kind("contact-flow", "flow", "ContactFlow", "Id", "Arn", "Name", "ContactFlowSummaryList")
MODULE = Kind(
    "flow-module",
    "flow module",
    "ContactFlowModule",
    "Id",
    "Arn",
    "Name",
    "ContactFlowModulesSummaryList",
    modified=False,
)
QUICK_CONNECT = Kind(
    "transfer-destination",
    "quick connect",
    "QuickConnect",
    "QuickConnectId",
    "QuickConnectARN",
    "Name",
    "QuickConnectSummaryList",
)
USER = Kind("agent", "user", "User", "Id", "Arn", "Username", "UserSummaryList")
HIERARCHY_GROUP = Kind(
    "agent-group", "user hierarchy group", "HierarchyGroup", "Id", "Arn", "Name", "UserHierarchyGroupSummaryList"
)
KINDS = {
    kind.segment: kind
    for kind in (HOURS, QUEUE, ROUTING_PROFILE, SECURITY_PROFILE, FLOW, MODULE, QUICK_CONNECT, USER, HIERARCHY_GROUP)
}


@dataclass
class Resource:
    """Something inside an instance: ``body`` holds DescribeX's other members, as given."""

    kind: Kind
    id: str
    arn: str
    name: str
    body: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)
    modified: datetime = field(default_factory=_now)

    def describe(self, region: str) -> dict[str, Any]:
        kind = self.kind
        answer = {kind.id_field: self.id, kind.arn_field: self.arn, kind.name_field: self.name, **self.body}
        answer["Tags"] = dict(self.tags)
        if kind.modified:
            answer.update(LastModifiedTime=self.modified, LastModifiedRegion=region)
        return answer

    def summary(self, region: str, **extra: Any) -> dict[str, Any]:
        name_field = "Username" if self.kind is USER else "Name"
        answer = {"Id": self.id, "Arn": self.arn, name_field: self.name, **extra}
        if self.kind.modified and self.kind is not FLOW:
            answer.update(LastModifiedTime=self.modified, LastModifiedRegion=region)
        return answer


@dataclass
class Instance:
    id: str
    arn: str
    alias: str | None
    identity: str
    directory_id: str | None
    created: datetime
    tags: dict[str, str]
    attributes: dict[str, str] = field(default_factory=lambda: dict(INSTANCE_ATTRIBUTES))
    storage: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # association -> (type, config)
    functions: list[str] = field(default_factory=list)
    resources: dict[str, dict[str, Resource]] = field(default_factory=lambda: {segment: {} for segment in KINDS})
    hierarchy: dict[str, dict[str, str]] = field(default_factory=dict)  # level -> {Id, Arn, Name}
    flow_numbers: dict[str, str] = field(default_factory=dict)  # phone number id -> flow id

    def find(self, kind: Kind, resource_id: str) -> Resource:
        found = self.resources[kind.segment].get(resource_id)
        if found is None:
            raise ServiceError(
                "ResourceNotFoundException", f"{kind.label} {resource_id} not found in instance {self.id}"
            )
        return found

    def named(self, kind: Kind, name: str) -> Resource | None:
        return next((item for item in self.resources[kind.segment].values() if item.name == name), None)


@dataclass
class PhoneNumber:
    id: str
    arn: str
    number: str
    country: str
    type: str
    description: str | None
    target_arn: str
    instance_id: str
    tags: dict[str, str]

    def summary(self) -> dict[str, Any]:
        return {
            "PhoneNumberId": self.id,
            "PhoneNumberArn": self.arn,
            "PhoneNumber": self.number,
            "PhoneNumberCountryCode": self.country,
            "PhoneNumberType": self.type,
            "PhoneNumberDescription": self.description,
            "TargetArn": self.target_arn,
            "InstanceId": self.instance_id,
        }


@dataclass
class Region:
    account: str
    name: str
    instances: dict[str, Instance] = field(default_factory=dict)
    numbers: dict[str, PhoneNumber] = field(default_factory=dict)

    def arn(self, path: str) -> str:
        return f"arn:aws:connect:{self.name}:{self.account}:{path}"


def _page(items: list[Any], params: Mapping[str, Any], default_size: int = 100) -> tuple[list[Any], str | None]:
    """A page of ``items`` and the token of the next one (an opaque offset, as AWS's tokens are opaque)."""
    size = params.get("MaxResults") or default_size
    token = params.get("NextToken")
    try:
        start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    except ValueError:
        raise ServiceError("InvalidParameterException", "NextToken is not a token this API returned") from None
    end = start + size
    following = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], following


def _sub_page(key: str, items: list[Any], params: Mapping[str, Any], owner: Resource, state: Region) -> dict[str, Any]:
    """A page of what belongs to ``owner`` (a queue's quick connects, a profile's queues or permissions),
    with when the owner last changed, as those List answers carry."""
    page, token = _page(items, params)
    return {key: page, "NextToken": token, "LastModifiedTime": owner.modified, "LastModifiedRegion": state.name}


def _sha256(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def _without_empty(value: Mapping[str, Any]) -> dict[str, Any]:
    return {key: item for key, item in value.items() if item not in (None, "", {}, [])}


class ConnectBackend:
    """Amazon Connect's state and operations for every account and region of one emulator."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._regions: dict[tuple[str, str], Region] = {}

    def reset(self) -> None:
        with self._lock:
            self._regions.clear()

    def handle(
        self, operation: str, params: dict[str, Any], region: str, account: str = DEFAULT_ACCOUNT_ID
    ) -> dict[str, Any]:
        method: Callable[[Region, dict[str, Any]], dict[str, Any] | None] | None = getattr(
            self, f"op_{operation}", None
        )
        if method is None:
            raise ServiceError("InvalidRequestException", f"the local emulator does not implement connect:{operation}")
        with self._lock:
            state = self._regions.setdefault((account, region), Region(account, region))
            return method(state, params) or {}

    # -- instances ------------------------------------------------------------------------------

    def _instance(self, state: Region, params: Mapping[str, Any]) -> Instance:
        instance_id = str(params.get("InstanceId", ""))
        if instance_id.startswith("arn:"):
            instance_id = instance_id.rsplit("/", 1)[-1]
        found = state.instances.get(instance_id)
        if found is None:
            raise ServiceError("ResourceNotFoundException", f"instance {instance_id} not found")
        return found

    def op_CreateInstance(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        identity, alias, directory = (
            params["IdentityManagementType"],
            params.get("InstanceAlias"),
            params.get("DirectoryId"),
        )
        if identity == "EXISTING_DIRECTORY" and not directory:
            raise ServiceError("InvalidParameterException", "DirectoryId is required with EXISTING_DIRECTORY")
        if identity != "EXISTING_DIRECTORY" and not alias:
            raise ServiceError("InvalidParameterException", f"InstanceAlias is required with {identity}")
        if alias and any(instance.alias == alias for instance in state.instances.values()):
            raise ServiceError("DuplicateResourceException", f"an instance with alias {alias} already exists")
        instance_id = _new_id()
        instance = Instance(
            instance_id,
            state.arn(f"instance/{instance_id}"),
            alias,
            identity,
            directory,
            _now(),
            dict(params.get("Tags") or {}),
        )
        instance.attributes["INBOUND_CALLS"] = str(params["InboundCallsEnabled"]).lower()
        instance.attributes["OUTBOUND_CALLS"] = str(params["OutboundCallsEnabled"]).lower()
        state.instances[instance_id] = instance
        self._defaults(state, instance)
        return {"Id": instance.id, "Arn": instance.arn}

    def _defaults(self, state: Region, instance: Instance) -> None:
        """What AWS creates in every new instance: Basic Hours, BasicQueue, Basic Routing Profile,
        the four security profiles and a default flow of each type."""
        every_day = [
            {"Day": day, "StartTime": {"Hours": 0, "Minutes": 0}, "EndTime": {"Hours": 0, "Minutes": 0}}
            for day in ("SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY")
        ]
        hours = self._add(
            state,
            instance,
            HOURS,
            "Basic Hours",
            {"Description": "Basic Hours", "TimeZone": "UTC", "Config": every_day},
        )
        queue = self._add(
            state,
            instance,
            QUEUE,
            "BasicQueue",
            {
                "Description": "Basic Queue",
                "HoursOfOperationId": hours.id,
                "Status": "ENABLED",
                "QueueType": "STANDARD",
                "QuickConnectIds": [],
            },
        )
        self._add(
            state,
            instance,
            ROUTING_PROFILE,
            "Basic Routing Profile",
            {
                "Description": "Basic routing profile",
                "DefaultOutboundQueueId": queue.id,
                "MediaConcurrencies": [{"Channel": "VOICE", "Concurrency": 1}],
                "QueueConfigs": [{"QueueId": queue.id, "Channel": "VOICE", "Priority": 1, "Delay": 0}],
            },
        )
        for profile in ("Admin", "Agent", "CallCenterManager", "QualityAnalyst"):
            self._add(state, instance, SECURITY_PROFILE, profile, {"Permissions": []})
        for flow_type in FlowType:
            if flow_type is FlowType.MODULE:
                continue
            content = {
                "Version": "2019-10-30",
                "StartAction": "end",
                "Metadata": {},
                "Actions": [
                    {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
                ],
            }
            text = json.dumps(content)
            name = f"Default {flow_type.value.lower().replace('_', ' ')}"
            self._add(
                state,
                instance,
                FLOW,
                name,
                {
                    "Type": flow_type.value,
                    "State": "ACTIVE",
                    "Status": "PUBLISHED",
                    "Content": text,
                    "FlowContentSha256": _sha256(text),
                },
            )

    def _add(
        self,
        state: Region,
        instance: Instance,
        kind: Kind,
        name: str,
        body: dict[str, Any],
        tags: Mapping[str, str] | None = None,
    ) -> Resource:
        if instance.named(kind, name) is not None:
            raise ServiceError(
                "DuplicateResourceException", f"a {kind.label} named {name!r} already exists in instance {instance.id}"
            )
        resource_id = _new_id()
        resource = Resource(
            kind, resource_id, f"{instance.arn}/{kind.segment}/{resource_id}", name, body, dict(tags or {})
        )
        instance.resources[kind.segment][resource_id] = resource
        return resource

    def _instance_answer(self, instance: Instance) -> dict[str, Any]:
        return {
            "Id": instance.id,
            "Arn": instance.arn,
            "IdentityManagementType": instance.identity,
            "InstanceAlias": instance.alias,
            "CreatedTime": instance.created,
            "ServiceRole": f"arn:aws:iam::{instance.arn.split(':')[4]}:role/aws-service-role/connect.amazonaws.com/"
            f"AWSServiceRoleForAmazonConnect_{instance.id[:20]}",
            "InstanceStatus": "ACTIVE",
            "InboundCallsEnabled": instance.attributes["INBOUND_CALLS"] == "true",
            "OutboundCallsEnabled": instance.attributes["OUTBOUND_CALLS"] == "true",
            "InstanceAccessUrl": f"https://{instance.alias or instance.id}.my.connect.aws",
        }

    def op_DescribeInstance(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        return {"Instance": {**self._instance_answer(instance), "Tags": dict(instance.tags)}}

    def op_ListInstances(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        page, token = _page([self._instance_answer(i) for i in state.instances.values()], params, 10)
        return {"InstanceSummaryList": page, "NextToken": token}

    def op_DeleteInstance(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        del state.instances[instance.id]
        for number in [n for n in state.numbers.values() if n.instance_id == instance.id]:
            del state.numbers[number.id]

    def op_UpdateInstanceAttribute(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        if params["Value"] not in ("true", "false"):
            raise ServiceError("InvalidParameterException", f"Value must be true or false, not {params['Value']!r}")
        instance.attributes[params["AttributeType"]] = params["Value"]

    def op_DescribeInstanceAttribute(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        kind = params["AttributeType"]
        return {"Attribute": {"AttributeType": kind, "Value": instance.attributes.get(kind, "false")}}

    def op_ListInstanceAttributes(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        items = [{"AttributeType": kind, "Value": value} for kind, value in instance.attributes.items()]
        page, token = _page(items, params, 7)
        return {"Attributes": page, "NextToken": token}

    # -- storage --------------------------------------------------------------------------------

    def _check_storage(self, state: Region, resource_type: str, config: Mapping[str, Any]) -> dict[str, Any]:
        storage_type = config["StorageType"]
        if storage_type not in STORAGE_TYPES.get(resource_type, set()):
            allowed = " or ".join(sorted(STORAGE_TYPES.get(resource_type, set()))) or "nothing"
            raise ServiceError(
                "InvalidParameterException", f"{resource_type} takes {allowed} storage, not {storage_type}"
            )
        wanted = STORAGE_CONFIG_FIELDS[storage_type]
        extra = [name for name in STORAGE_CONFIG_FIELDS.values() if name != wanted and config.get(name)]
        if not config.get(wanted) or extra:
            raise ServiceError(
                "InvalidParameterException", f"StorageType {storage_type} needs {wanted} and no other config"
            )
        settings = config[wanted]
        account, region = state.account, state.name
        if storage_type == "S3" and not peers.bucket_exists(settings["BucketName"], account):
            raise ServiceError("InvalidParameterException", f"bucket {settings['BucketName']} does not exist")
        if storage_type == "KINESIS_STREAM" and not peers.stream_exists(settings["StreamArn"], account, region):
            raise ServiceError("InvalidParameterException", f"Kinesis stream {settings['StreamArn']} does not exist")
        if storage_type == "KINESIS_FIREHOSE" and not peers.firehose_exists(settings["FirehoseArn"], account, region):
            raise ServiceError("InvalidParameterException", f"Firehose stream {settings['FirehoseArn']} does not exist")
        key = (settings.get("EncryptionConfig") or {}).get("KeyId")
        if key and not peers.key_exists(key, account, region):
            raise ServiceError("InvalidParameterException", f"KMS key {key} does not exist")
        return {"StorageType": storage_type, wanted: settings}

    def op_AssociateInstanceStorageConfig(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        resource_type = params["ResourceType"]
        if any(kind == resource_type for kind, _ in instance.storage.values()):
            raise ServiceError(
                "ResourceConflictException", f"instance {instance.id} already has {resource_type} storage"
            )
        association = hashlib.sha256(f"{instance.id}:{resource_type}:{_new_id()}".encode()).hexdigest()
        instance.storage[association] = (
            resource_type,
            self._check_storage(state, resource_type, params["StorageConfig"]),
        )
        return {"AssociationId": association}

    def _association(self, instance: Instance, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        found = instance.storage.get(params["AssociationId"])
        if found is None or found[0] != params["ResourceType"]:
            raise ServiceError(
                "ResourceNotFoundException", f"{params['ResourceType']} storage {params['AssociationId']} not found"
            )
        return found

    def op_DescribeInstanceStorageConfig(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        _, config = self._association(self._instance(state, params), params)
        return {"StorageConfig": {"AssociationId": params["AssociationId"], **config}}

    def op_UpdateInstanceStorageConfig(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        resource_type, _ = self._association(instance, params)
        instance.storage[params["AssociationId"]] = (
            resource_type,
            self._check_storage(state, resource_type, params["StorageConfig"]),
        )

    def op_DisassociateInstanceStorageConfig(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        self._association(instance, params)
        del instance.storage[params["AssociationId"]]

    def op_ListInstanceStorageConfigs(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        items = [
            {"AssociationId": association, **config}
            for association, (kind, config) in instance.storage.items()
            if kind == params["ResourceType"]
        ]
        page, token = _page(items, params, 10)
        return {"StorageConfigs": page, "NextToken": token}

    # -- Lambda functions -----------------------------------------------------------------------

    def op_AssociateLambdaFunction(self, state: Region, params: dict[str, Any]) -> None:
        instance, arn = self._instance(state, params), params["FunctionArn"]
        if arn in instance.functions:
            raise ServiceError("ResourceConflictException", f"{arn} is already associated with instance {instance.id}")
        if not peers.function_exists(arn, state.account, state.name):
            raise ServiceError("InvalidParameterException", f"the Lambda function {arn} does not exist")
        if len(instance.functions) >= MAX_LAMBDA_FUNCTIONS:
            raise ServiceError(
                "ServiceQuotaExceededException", f"an instance takes at most {MAX_LAMBDA_FUNCTIONS} functions"
            )
        instance.functions.append(arn)

    def op_DisassociateLambdaFunction(self, state: Region, params: dict[str, Any]) -> None:
        instance, arn = self._instance(state, params), params["FunctionArn"]
        if arn not in instance.functions:
            raise ServiceError("ResourceNotFoundException", f"{arn} is not associated with instance {instance.id}")
        instance.functions.remove(arn)

    def op_ListLambdaFunctions(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        page, token = _page(list(self._instance(state, params).functions), params, 25)
        return {"LambdaFunctions": page, "NextToken": token}

    # -- shared by the resources inside an instance ---------------------------------------------

    def _describe(self, state: Region, params: Mapping[str, Any], kind: Kind, id_param: str) -> dict[str, Any]:
        resource = self._instance(state, params).find(kind, params[id_param])
        return {kind.describe_key: resource.describe(state.name)}

    def _list(
        self,
        state: Region,
        params: Mapping[str, Any],
        kind: Kind,
        extra: Callable[[Resource], dict[str, Any]] = lambda _: {},
        keep: Callable[[Resource], bool] = lambda _: True,
    ) -> dict[str, Any]:
        instance = self._instance(state, params)
        items = [
            item.summary(state.name, **extra(item)) for item in instance.resources[kind.segment].values() if keep(item)
        ]
        page, token = _page(items, params)
        return {kind.list_key: page, "NextToken": token}

    def _rename(
        self,
        instance: Instance,
        resource: Resource,
        name: str | None,
        description: str | None,
        description_key: str = "Description",
    ) -> None:
        if name is not None and name != resource.name:
            if instance.named(resource.kind, name) is not None:
                raise ServiceError(
                    "DuplicateResourceException", f"a {resource.kind.label} named {name!r} already exists"
                )
            resource.name = name
        if description is not None:
            resource.body[description_key] = description or None
        resource.modified = _now()

    def _delete(self, instance: Instance, resource: Resource, users: Iterable[str]) -> None:
        users = list(users)
        if users:
            raise ServiceError(
                "ResourceInUseException",
                f"{resource.kind.label} {resource.name!r} is used by {', '.join(sorted(users))}",
            )
        del instance.resources[resource.kind.segment][resource.id]

    def _delete_unused(self, state: Region, params: Mapping[str, Any], kind: Kind, id_param: str) -> None:
        """Delete what ``params[id_param]`` names, unless something in the instance points at it."""
        instance = self._instance(state, params)
        resource = instance.find(kind, params[id_param])
        self._delete(instance, resource, self._users_of(instance, resource.id))

    def _users_of(self, instance: Instance, resource_id: str) -> Iterable[str]:
        """Everything in the instance that points at ``resource_id`` (what would block its deletion)."""
        for segment, items in instance.resources.items():
            for item in items.values():
                if item.id != resource_id and resource_id in json.dumps(self._pointers(item)):
                    yield f"{KINDS[segment].label} {item.name!r}"

    @staticmethod
    def _pointers(item: Resource) -> Any:
        body = item.body
        if item.kind is QUEUE:
            caller = body.get("OutboundCallerConfig") or {}
            return [
                body.get("HoursOfOperationId"),
                body.get("QuickConnectIds"),
                caller.get("OutboundFlowId"),
                caller.get("OutboundCallerIdNumberId"),
            ]
        if item.kind is ROUTING_PROFILE:
            return [body.get("DefaultOutboundQueueId"), [c["QueueId"] for c in body.get("QueueConfigs", [])]]
        if item.kind is USER:
            return [body.get("RoutingProfileId"), body.get("SecurityProfileIds"), body.get("HierarchyGroupId")]
        if item.kind is QUICK_CONNECT:
            return body.get("QuickConnectConfig")
        if item.kind is HIERARCHY_GROUP:
            return body.get("ParentGroupId")
        return None

    def _tags(self, params: Mapping[str, Any]) -> dict[str, str]:
        return dict(params.get("Tags") or {})

    # -- hours of operation ---------------------------------------------------------------------

    @staticmethod
    def _check_hours(config: list[dict[str, Any]]) -> None:
        for entry in config:
            start, end = entry["StartTime"], entry["EndTime"]
            for clock in (start, end):
                if not (0 <= clock["Hours"] <= 23 and 0 <= clock["Minutes"] <= 59):
                    raise ServiceError("InvalidParameterException", f"{entry['Day']}: {clock} is not a time of day")

    def op_CreateHoursOfOperation(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        self._check_hours(params["Config"])
        hours = self._add(
            state,
            instance,
            HOURS,
            params["Name"],
            {"Description": params.get("Description"), "TimeZone": params["TimeZone"], "Config": params["Config"]},
            self._tags(params),
        )
        return {"HoursOfOperationId": hours.id, "HoursOfOperationArn": hours.arn}

    def op_DescribeHoursOfOperation(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        return self._describe(state, params, HOURS, "HoursOfOperationId")

    def op_ListHoursOfOperations(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        return self._list(state, params, HOURS)

    def op_UpdateHoursOfOperation(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        hours = instance.find(HOURS, params["HoursOfOperationId"])
        if params.get("Config") is not None:
            self._check_hours(params["Config"])
            hours.body["Config"] = params["Config"]
        if params.get("TimeZone"):
            hours.body["TimeZone"] = params["TimeZone"]
        self._rename(instance, hours, params.get("Name"), params.get("Description"))

    def op_DeleteHoursOfOperation(self, state: Region, params: dict[str, Any]) -> None:
        self._delete_unused(state, params, HOURS, "HoursOfOperationId")

    # -- queues ---------------------------------------------------------------------------------

    def _outbound_caller(
        self, state: Region, instance: Instance, config: Mapping[str, Any] | None
    ) -> dict[str, Any] | None:
        if not config:
            return None
        config = _without_empty(config)
        number = config.get("OutboundCallerIdNumberId")
        if number and (number not in state.numbers or state.numbers[number].instance_id != instance.id):
            raise ServiceError(
                "ResourceNotFoundException", f"phone number {number} is not claimed for instance {instance.id}"
            )
        flow_id = config.get("OutboundFlowId")
        if flow_id:
            flow = instance.find(FLOW, flow_id)
            if flow.body["Type"] != "OUTBOUND_WHISPER":
                raise ServiceError(
                    "InvalidParameterException",
                    f"OutboundFlowId {flow_id} is a {flow.body['Type']} flow, not an OUTBOUND_WHISPER flow",
                )
        return config or None

    def op_CreateQueue(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        instance.find(HOURS, params["HoursOfOperationId"])
        quick_connects = list(dict.fromkeys(params.get("QuickConnectIds") or []))
        for quick_connect in quick_connects:
            instance.find(QUICK_CONNECT, quick_connect)
        queue = self._add(
            state,
            instance,
            QUEUE,
            params["Name"],
            {
                "Description": params.get("Description"),
                "HoursOfOperationId": params["HoursOfOperationId"],
                "MaxContacts": params.get("MaxContacts"),
                "OutboundCallerConfig": self._outbound_caller(state, instance, params.get("OutboundCallerConfig")),
                "Status": "ENABLED",
                "QueueType": "STANDARD",
                "QuickConnectIds": quick_connects,
            },
            self._tags(params),
        )
        return {"QueueId": queue.id, "QueueArn": queue.arn}

    def op_DescribeQueue(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        answer = self._describe(state, params, QUEUE, "QueueId")
        for internal in ("QueueType", "QuickConnectIds"):
            answer["Queue"].pop(internal, None)
        return answer

    def op_ListQueues(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        types = params.get("QueueTypes") or ["STANDARD", "AGENT"]
        return self._list(
            state,
            params,
            QUEUE,
            lambda queue: {"QueueType": queue.body["QueueType"]},
            lambda queue: queue.body["QueueType"] in types,
        )

    def _queue(self, state: Region, params: Mapping[str, Any]) -> tuple[Instance, Resource]:
        instance = self._instance(state, params)
        queue = instance.find(QUEUE, params["QueueId"])
        queue.modified = _now()
        return instance, queue

    def op_UpdateQueueHoursOfOperation(self, state: Region, params: dict[str, Any]) -> None:
        instance, queue = self._queue(state, params)
        instance.find(HOURS, params["HoursOfOperationId"])
        queue.body["HoursOfOperationId"] = params["HoursOfOperationId"]

    def op_UpdateQueueMaxContacts(self, state: Region, params: dict[str, Any]) -> None:
        _, queue = self._queue(state, params)
        queue.body["MaxContacts"] = params.get("MaxContacts") or None

    def op_UpdateQueueName(self, state: Region, params: dict[str, Any]) -> None:
        instance, queue = self._queue(state, params)
        self._rename(instance, queue, params.get("Name"), params.get("Description"))

    def op_UpdateQueueOutboundCallerConfig(self, state: Region, params: dict[str, Any]) -> None:
        instance, queue = self._queue(state, params)
        queue.body["OutboundCallerConfig"] = self._outbound_caller(state, instance, params.get("OutboundCallerConfig"))

    def op_UpdateQueueStatus(self, state: Region, params: dict[str, Any]) -> None:
        _, queue = self._queue(state, params)
        queue.body["Status"] = params["Status"]

    def op_AssociateQueueQuickConnects(self, state: Region, params: dict[str, Any]) -> None:
        instance, queue = self._queue(state, params)
        for quick_connect in params["QuickConnectIds"]:
            instance.find(QUICK_CONNECT, quick_connect)
            if quick_connect not in queue.body["QuickConnectIds"]:
                queue.body["QuickConnectIds"].append(quick_connect)

    def op_DisassociateQueueQuickConnects(self, state: Region, params: dict[str, Any]) -> None:
        _, queue = self._queue(state, params)
        removed = set(params["QuickConnectIds"])
        queue.body["QuickConnectIds"] = [q for q in queue.body["QuickConnectIds"] if q not in removed]

    def op_ListQueueQuickConnects(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        queue = instance.find(QUEUE, params["QueueId"])
        items = [
            self._quick_connect_summary(state, instance.find(QUICK_CONNECT, q)) for q in queue.body["QuickConnectIds"]
        ]
        return _sub_page("QuickConnectSummaryList", items, params, queue, state)

    def op_DeleteQueue(self, state: Region, params: dict[str, Any]) -> None:
        self._delete_unused(state, params, QUEUE, "QueueId")

    # -- routing profiles -----------------------------------------------------------------------

    @staticmethod
    def _check_concurrency(concurrencies: list[dict[str, Any]]) -> None:
        channels = [entry["Channel"] for entry in concurrencies]
        if len(set(channels)) != len(channels):
            raise ServiceError("InvalidParameterException", "MediaConcurrencies names a channel more than once")
        for entry in concurrencies:
            channel, concurrency = entry["Channel"], entry["Concurrency"]
            low = 1
            high = MAX_CONCURRENCY.get(channel, 10)
            if not low <= concurrency <= high:
                span = f"exactly {high}" if low == high else f"{low} to {high}"
                raise ServiceError(
                    "InvalidParameterException", f"{channel} concurrency must be {span}, not {concurrency}"
                )

    def _queue_configs(self, instance: Instance, configs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        flat = []
        for config in configs:
            reference = config["QueueReference"]
            instance.find(QUEUE, reference["QueueId"])
            flat.append(
                {
                    "QueueId": reference["QueueId"],
                    "Channel": reference["Channel"],
                    "Priority": config["Priority"],
                    "Delay": config["Delay"],
                }
            )
        pairs = [(c["QueueId"], c["Channel"]) for c in flat]
        if len(set(pairs)) != len(pairs):
            raise ServiceError("InvalidParameterException", "QueueConfigs names a queue and channel more than once")
        return flat

    def op_CreateRoutingProfile(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        instance.find(QUEUE, params["DefaultOutboundQueueId"])
        self._check_concurrency(params["MediaConcurrencies"])
        profile = self._add(
            state,
            instance,
            ROUTING_PROFILE,
            params["Name"],
            {
                "Description": params["Description"],
                "DefaultOutboundQueueId": params["DefaultOutboundQueueId"],
                "MediaConcurrencies": params["MediaConcurrencies"],
                "QueueConfigs": self._queue_configs(instance, params.get("QueueConfigs") or []),
            },
            self._tags(params),
        )
        return {"RoutingProfileId": profile.id, "RoutingProfileArn": profile.arn}

    def op_DescribeRoutingProfile(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        profile = instance.find(ROUTING_PROFILE, params["RoutingProfileId"])
        answer = profile.describe(state.name)
        configs = answer.pop("QueueConfigs")
        users = [u for u in instance.resources[USER.segment].values() if u.body["RoutingProfileId"] == profile.id]
        answer.update(
            InstanceId=instance.id,
            NumberOfAssociatedQueues=len(configs),
            NumberOfAssociatedUsers=len(users),
            AssociatedQueueIds=sorted({c["QueueId"] for c in configs}),
            IsDefault=profile.name == "Basic Routing Profile",
        )
        return {"RoutingProfile": answer}

    def op_ListRoutingProfiles(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        return self._list(state, params, ROUTING_PROFILE)

    def _profile(self, state: Region, params: Mapping[str, Any]) -> tuple[Instance, Resource]:
        instance = self._instance(state, params)
        profile = instance.find(ROUTING_PROFILE, params["RoutingProfileId"])
        profile.modified = _now()
        return instance, profile

    def op_UpdateRoutingProfileConcurrency(self, state: Region, params: dict[str, Any]) -> None:
        _, profile = self._profile(state, params)
        self._check_concurrency(params["MediaConcurrencies"])
        profile.body["MediaConcurrencies"] = params["MediaConcurrencies"]

    def op_UpdateRoutingProfileDefaultOutboundQueue(self, state: Region, params: dict[str, Any]) -> None:
        instance, profile = self._profile(state, params)
        instance.find(QUEUE, params["DefaultOutboundQueueId"])
        profile.body["DefaultOutboundQueueId"] = params["DefaultOutboundQueueId"]

    def op_UpdateRoutingProfileName(self, state: Region, params: dict[str, Any]) -> None:
        instance, profile = self._profile(state, params)
        self._rename(instance, profile, params.get("Name"), params.get("Description"))

    def op_AssociateRoutingProfileQueues(self, state: Region, params: dict[str, Any]) -> None:
        instance, profile = self._profile(state, params)
        configs = self._queue_configs(instance, params.get("QueueConfigs") or [])
        existing = {(c["QueueId"], c["Channel"]) for c in profile.body["QueueConfigs"]}
        for config in configs:
            if (config["QueueId"], config["Channel"]) in existing:
                raise ServiceError(
                    "InvalidParameterException",
                    f"queue {config['QueueId']} is already in the profile for {config['Channel']}",
                )
        profile.body["QueueConfigs"] += configs

    def op_UpdateRoutingProfileQueues(self, state: Region, params: dict[str, Any]) -> None:
        instance, profile = self._profile(state, params)
        by_pair = {(c["QueueId"], c["Channel"]): c for c in profile.body["QueueConfigs"]}
        for config in self._queue_configs(instance, params["QueueConfigs"]):
            current = by_pair.get((config["QueueId"], config["Channel"]))
            if current is None:
                raise ServiceError("ResourceNotFoundException", f"queue {config['QueueId']} is not in the profile")
            current.update(Priority=config["Priority"], Delay=config["Delay"])

    def op_DisassociateRoutingProfileQueues(self, state: Region, params: dict[str, Any]) -> None:
        _, profile = self._profile(state, params)
        removed = {(r["QueueId"], r["Channel"]) for r in params.get("QueueReferences") or []}
        profile.body["QueueConfigs"] = [
            c for c in profile.body["QueueConfigs"] if (c["QueueId"], c["Channel"]) not in removed
        ]

    def op_ListRoutingProfileQueues(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        profile = instance.find(ROUTING_PROFILE, params["RoutingProfileId"])
        items = []
        for config in profile.body["QueueConfigs"]:
            queue = instance.find(QUEUE, config["QueueId"])
            items.append({**config, "QueueArn": queue.arn, "QueueName": queue.name})
        return _sub_page("RoutingProfileQueueConfigSummaryList", items, params, profile, state)

    def op_DeleteRoutingProfile(self, state: Region, params: dict[str, Any]) -> None:
        self._delete_unused(state, params, ROUTING_PROFILE, "RoutingProfileId")

    # -- security profiles ----------------------------------------------------------------------

    def op_CreateSecurityProfile(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        profile = self._add(
            state,
            instance,
            SECURITY_PROFILE,
            params["SecurityProfileName"],
            {
                "Description": params.get("Description"),
                "Permissions": sorted(set(params.get("Permissions") or [])),
                "OrganizationResourceId": instance.id,
            },
            self._tags(params),
        )
        return {"SecurityProfileId": profile.id, "SecurityProfileArn": profile.arn}

    def op_DescribeSecurityProfile(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        answer = self._describe(state, params, SECURITY_PROFILE, "SecurityProfileId")
        answer["SecurityProfile"].pop("Permissions")
        return answer

    def op_ListSecurityProfiles(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        return self._list(state, params, SECURITY_PROFILE)

    def op_ListSecurityProfilePermissions(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        profile = self._instance(state, params).find(SECURITY_PROFILE, params["SecurityProfileId"])
        return _sub_page("Permissions", profile.body["Permissions"], params, profile, state)

    def op_UpdateSecurityProfile(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        profile = instance.find(SECURITY_PROFILE, params["SecurityProfileId"])
        if params.get("Permissions") is not None:
            profile.body["Permissions"] = sorted(set(params["Permissions"]))
        self._rename(instance, profile, None, params.get("Description"))

    def op_DeleteSecurityProfile(self, state: Region, params: dict[str, Any]) -> None:
        self._delete_unused(state, params, SECURITY_PROFILE, "SecurityProfileId")

    # -- flows and flow modules -----------------------------------------------------------------

    def _view(self, instance: Instance) -> InstanceView:
        def flow_type(flow_id: str) -> str | None:
            flow = instance.resources[FLOW.segment].get(flow_id)
            return flow.body["Type"] if flow else None

        return InstanceView(
            instance.id,
            exists=lambda segment, resource_id: resource_id in instance.resources.get(segment, {}),
            flow_type=flow_type,
            lambda_associated=lambda arn: arn in instance.functions,
        )

    def _check_content(self, instance: Instance, content: str, flow_type: FlowType, name: str) -> None:
        found = problems(content, flow_type, name, self._view(instance))
        if found:
            raise ServiceError(
                "InvalidContactFlowException", "; ".join(found), problems=[{"message": problem} for problem in found]
            )

    def op_CreateContactFlow(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        status = params.get("Status") or "PUBLISHED"
        if status == "PUBLISHED":
            self._check_content(instance, params["Content"], FlowType(params["Type"]), params["Name"])
        flow = self._add(
            state,
            instance,
            FLOW,
            params["Name"],
            {
                "Type": params["Type"],
                "State": "ACTIVE",
                "Status": status,
                "Description": params.get("Description"),
                "Content": params["Content"],
                "FlowContentSha256": _sha256(params["Content"]),
            },
            self._tags(params),
        )
        return {
            "ContactFlowId": flow.id,
            "ContactFlowArn": flow.arn,
            "FlowContentSha256": flow.body["FlowContentSha256"],
        }

    def op_DescribeContactFlow(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        return self._describe(state, params, FLOW, "ContactFlowId")

    def op_ListContactFlows(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        types = params.get("ContactFlowTypes") or [t.value for t in FlowType]
        return self._list(
            state,
            params,
            FLOW,
            lambda flow: {
                "ContactFlowType": flow.body["Type"],
                "ContactFlowState": flow.body["State"],
                "ContactFlowStatus": flow.body["Status"],
            },
            lambda flow: flow.body["Type"] in types,
        )

    def op_UpdateContactFlowName(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        self._rename(
            instance, instance.find(FLOW, params["ContactFlowId"]), params.get("Name"), params.get("Description")
        )

    def op_UpdateContactFlowMetadata(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        flow = instance.find(FLOW, params["ContactFlowId"])
        if params.get("ContactFlowState"):
            flow.body["State"] = params["ContactFlowState"]
        self._rename(instance, flow, params.get("Name"), params.get("Description"))

    def op_UpdateContactFlowContent(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        flow = instance.find(FLOW, params["ContactFlowId"])
        if flow.body["Status"] == "PUBLISHED":
            self._check_content(instance, params["Content"], FlowType(flow.body["Type"]), flow.name)
        flow.body.update(Content=params["Content"], FlowContentSha256=_sha256(params["Content"]))
        flow.modified = _now()

    def op_DeleteContactFlow(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        flow = instance.find(FLOW, params["ContactFlowId"])
        routed = [number for number, flow_id in instance.flow_numbers.items() if flow_id == flow.id]
        self._delete(instance, flow, [*self._users_of(instance, flow.id), *(f"phone number {n}" for n in routed)])

    def op_CreateContactFlowModule(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        self._check_content(instance, params["Content"], FlowType.MODULE, params["Name"])
        module = self._add(
            state,
            instance,
            MODULE,
            params["Name"],
            {
                "Description": params.get("Description"),
                "Content": params["Content"],
                "State": "ACTIVE",
                "Status": "PUBLISHED",
                "FlowModuleContentSha256": _sha256(params["Content"]),
            },
            self._tags(params),
        )
        return {"Id": module.id, "Arn": module.arn}

    def op_DescribeContactFlowModule(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        return self._describe(state, params, MODULE, "ContactFlowModuleId")

    def op_ListContactFlowModules(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        wanted = params.get("ContactFlowModuleState")
        return self._list(
            state,
            params,
            MODULE,
            lambda module: {"State": module.body["State"]},
            lambda module: wanted in (None, module.body["State"]),
        )

    def op_UpdateContactFlowModuleMetadata(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        module = instance.find(MODULE, params["ContactFlowModuleId"])
        if params.get("State"):
            module.body["State"] = params["State"]
        self._rename(instance, module, params.get("Name"), params.get("Description"))

    def op_UpdateContactFlowModuleContent(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        module = instance.find(MODULE, params["ContactFlowModuleId"])
        self._check_content(instance, params["Content"], FlowType.MODULE, module.name)
        module.body.update(Content=params["Content"], FlowModuleContentSha256=_sha256(params["Content"]))

    def op_DeleteContactFlowModule(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        module = instance.find(MODULE, params["ContactFlowModuleId"])
        invokers = [
            f"flow {flow.name!r}"
            for flow in instance.resources[FLOW.segment].values()
            if module.id in flow.body.get("Content", "")
        ]
        self._delete(instance, module, invokers)

    # -- quick connects -------------------------------------------------------------------------

    def _check_quick_connect(self, instance: Instance, config: Mapping[str, Any]) -> dict[str, Any]:
        kind = config["QuickConnectType"]
        member, flow_type, target = {
            "QUEUE": ("QueueConfig", "QUEUE_TRANSFER", (QUEUE, "QueueId")),
            "USER": ("UserConfig", "AGENT_TRANSFER", (USER, "UserId")),
            "PHONE_NUMBER": ("PhoneConfig", None, None),
        }[kind]
        settings = config.get(member)
        if not settings:
            raise ServiceError("InvalidParameterException", f"a {kind} quick connect needs {member}")
        if target is not None:
            instance.find(target[0], settings[target[1]])
            flow = instance.find(FLOW, settings["ContactFlowId"])
            if flow.body["Type"] != flow_type:
                raise ServiceError(
                    "InvalidParameterException",
                    f"ContactFlowId {flow.id} is a {flow.body['Type']} flow, not a {flow_type} flow",
                )
        return {"QuickConnectType": kind, member: settings}

    def _quick_connect_summary(self, state: Region, quick_connect: Resource) -> dict[str, Any]:
        return quick_connect.summary(
            state.name, QuickConnectType=quick_connect.body["QuickConnectConfig"]["QuickConnectType"]
        )

    def op_CreateQuickConnect(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        quick_connect = self._add(
            state,
            instance,
            QUICK_CONNECT,
            params["Name"],
            {
                "Description": params.get("Description"),
                "QuickConnectConfig": self._check_quick_connect(instance, params["QuickConnectConfig"]),
            },
            self._tags(params),
        )
        return {"QuickConnectId": quick_connect.id, "QuickConnectARN": quick_connect.arn}

    def op_DescribeQuickConnect(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        return self._describe(state, params, QUICK_CONNECT, "QuickConnectId")

    def op_ListQuickConnects(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        types = params.get("QuickConnectTypes") or ["USER", "QUEUE", "PHONE_NUMBER"]
        instance = self._instance(state, params)
        items = [
            self._quick_connect_summary(state, item)
            for item in instance.resources[QUICK_CONNECT.segment].values()
            if item.body["QuickConnectConfig"]["QuickConnectType"] in types
        ]
        page, token = _page(items, params)
        return {"QuickConnectSummaryList": page, "NextToken": token}

    def op_UpdateQuickConnectName(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        quick_connect = instance.find(QUICK_CONNECT, params["QuickConnectId"])
        self._rename(instance, quick_connect, params.get("Name"), params.get("Description"))

    def op_UpdateQuickConnectConfig(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        quick_connect = instance.find(QUICK_CONNECT, params["QuickConnectId"])
        quick_connect.body["QuickConnectConfig"] = self._check_quick_connect(instance, params["QuickConnectConfig"])
        quick_connect.modified = _now()

    def op_DeleteQuickConnect(self, state: Region, params: dict[str, Any]) -> None:
        self._delete_unused(state, params, QUICK_CONNECT, "QuickConnectId")

    # -- user hierarchy -------------------------------------------------------------------------

    def op_UpdateUserHierarchyStructure(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        structure = params["HierarchyStructure"]
        names = [structure.get(level, {}).get("Name") for level in HIERARCHY_LEVELS]
        depth = len([name for name in names if name])
        if names[:depth] != [name for name in names if name]:
            raise ServiceError(
                "InvalidParameterException", "hierarchy levels must be filled from LevelOne down, with no gap"
            )
        groups = instance.resources[HIERARCHY_GROUP.segment].values()
        deepest = max((int(group.body["LevelId"]) for group in groups), default=0)
        if deepest > depth:
            raise ServiceError(
                "ResourceInUseException", f"groups exist at level {deepest}; remove them before the level"
            )
        levels: dict[str, dict[str, str]] = {}
        for number, (level, name) in enumerate(zip(HIERARCHY_LEVELS[:depth], names[:depth], strict=True), 1):
            levels[level] = {"Id": str(number), "Arn": f"{instance.arn}/agent-group-level/{number}", "Name": name}
        instance.hierarchy = levels

    def op_DescribeUserHierarchyStructure(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        return {"HierarchyStructure": {level: dict(value) for level, value in instance.hierarchy.items()}}

    def _path(self, instance: Instance, group: Resource) -> dict[str, Any]:
        chain = [group]
        while chain[-1].body.get("ParentGroupId"):
            chain.append(instance.find(HIERARCHY_GROUP, chain[-1].body["ParentGroupId"]))
        return {
            level: {"Id": g.id, "Arn": g.arn, "Name": g.name}
            for level, g in zip(HIERARCHY_LEVELS, reversed(chain), strict=False)
        }

    def op_CreateUserHierarchyGroup(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        parent_id = params.get("ParentGroupId")
        level = int(instance.find(HIERARCHY_GROUP, parent_id).body["LevelId"]) + 1 if parent_id else 1
        if level > len(instance.hierarchy):
            raise ServiceError(
                "InvalidParameterException",
                f"the instance's hierarchy has {len(instance.hierarchy)} levels; a group at level {level} "
                "needs UpdateUserHierarchyStructure first",
            )
        group = self._add(
            state,
            instance,
            HIERARCHY_GROUP,
            params["Name"],
            {"LevelId": str(level), "ParentGroupId": parent_id},
            self._tags(params),
        )
        return {"HierarchyGroupId": group.id, "HierarchyGroupArn": group.arn}

    def op_DescribeUserHierarchyGroup(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        group = instance.find(HIERARCHY_GROUP, params["HierarchyGroupId"])
        answer = group.describe(state.name)
        answer.pop("ParentGroupId")
        answer["HierarchyPath"] = self._path(instance, group)
        return {"HierarchyGroup": answer}

    def op_ListUserHierarchyGroups(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        return self._list(state, params, HIERARCHY_GROUP)

    def op_UpdateUserHierarchyGroupName(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        self._rename(instance, instance.find(HIERARCHY_GROUP, params["HierarchyGroupId"]), params["Name"], None)

    def op_DeleteUserHierarchyGroup(self, state: Region, params: dict[str, Any]) -> None:
        self._delete_unused(state, params, HIERARCHY_GROUP, "HierarchyGroupId")

    # -- users ----------------------------------------------------------------------------------

    def _check_identity(self, instance: Instance, params: Mapping[str, Any]) -> None:
        """The reference's rules: a password only (and always) with CONNECT_MANAGED; a directory user id
        never with SAML; first and last names for CONNECT_MANAGED and SAML."""
        identity, password = instance.identity, params.get("Password")
        if identity == "CONNECT_MANAGED" and not password:
            raise ServiceError(
                "InvalidParameterException", "Password is required when Amazon Connect manages identities"
            )
        if identity != "CONNECT_MANAGED" and password:
            raise ServiceError("InvalidParameterException", f"Password must not be given with {identity} identities")
        if identity == "SAML" and params.get("DirectoryUserId"):
            raise ServiceError("InvalidParameterException", "DirectoryUserId must not be given with SAML identities")
        info = params.get("IdentityInfo") or {}
        if identity in ("CONNECT_MANAGED", "SAML") and not (info.get("FirstName") and info.get("LastName")):
            raise ServiceError(
                "InvalidParameterException", f"IdentityInfo.FirstName and LastName are required with {identity}"
            )

    def _check_user_links(self, instance: Instance, params: Mapping[str, Any]) -> None:
        if params.get("RoutingProfileId"):
            instance.find(ROUTING_PROFILE, params["RoutingProfileId"])
        for profile in params.get("SecurityProfileIds") or []:
            instance.find(SECURITY_PROFILE, profile)
        if params.get("HierarchyGroupId"):
            instance.find(HIERARCHY_GROUP, params["HierarchyGroupId"])

    @staticmethod
    def _phone_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
        config = dict(config or {"PhoneType": "SOFT_PHONE"})
        config.setdefault("AutoAccept", False)
        config.setdefault("AfterContactWorkTimeLimit", 0)
        if config["PhoneType"] == "DESK_PHONE" and not config.get("DeskPhoneNumber"):
            raise ServiceError("InvalidParameterException", "a DESK_PHONE user needs DeskPhoneNumber")
        return config

    def op_CreateUser(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        self._check_identity(instance, params)
        self._check_user_links(instance, params)
        user = self._add(
            state,
            instance,
            USER,
            params["Username"],
            {
                "IdentityInfo": _without_empty(params.get("IdentityInfo") or {}) or None,
                "PhoneConfig": self._phone_config(params.get("PhoneConfig")),
                "DirectoryUserId": params.get("DirectoryUserId") or _new_id(),
                "SecurityProfileIds": sorted(set(params["SecurityProfileIds"])),
                "RoutingProfileId": params["RoutingProfileId"],
                "HierarchyGroupId": params.get("HierarchyGroupId"),
            },
            self._tags(params),
        )
        return {"UserId": user.id, "UserArn": user.arn}

    def op_DescribeUser(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        return self._describe(state, params, USER, "UserId")

    def op_ListUsers(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        return self._list(state, params, USER)

    def _user(self, state: Region, params: Mapping[str, Any]) -> tuple[Instance, Resource]:
        instance = self._instance(state, params)
        self._check_user_links(instance, params)
        user = instance.find(USER, params["UserId"])
        user.modified = _now()
        return instance, user

    def op_UpdateUserHierarchy(self, state: Region, params: dict[str, Any]) -> None:
        _, user = self._user(state, params)
        user.body["HierarchyGroupId"] = params.get("HierarchyGroupId")

    def op_UpdateUserIdentityInfo(self, state: Region, params: dict[str, Any]) -> None:
        instance, user = self._user(state, params)
        self._check_identity(
            instance,
            {"IdentityInfo": params["IdentityInfo"], "Password": "unchanged"}
            if instance.identity == "CONNECT_MANAGED"
            else {"IdentityInfo": params["IdentityInfo"]},
        )
        user.body["IdentityInfo"] = _without_empty(params["IdentityInfo"]) or None

    def op_UpdateUserPhoneConfig(self, state: Region, params: dict[str, Any]) -> None:
        _, user = self._user(state, params)
        user.body["PhoneConfig"] = self._phone_config(params["PhoneConfig"])

    def op_UpdateUserRoutingProfile(self, state: Region, params: dict[str, Any]) -> None:
        _, user = self._user(state, params)
        user.body["RoutingProfileId"] = params["RoutingProfileId"]

    def op_UpdateUserSecurityProfiles(self, state: Region, params: dict[str, Any]) -> None:
        _, user = self._user(state, params)
        user.body["SecurityProfileIds"] = sorted(set(params["SecurityProfileIds"]))

    def op_DeleteUser(self, state: Region, params: dict[str, Any]) -> None:
        self._delete_unused(state, params, USER, "UserId")

    # -- phone numbers --------------------------------------------------------------------------

    def _target(self, state: Region, params: Mapping[str, Any]) -> Instance:
        target = params.get("TargetArn") or params.get("InstanceId")
        if not target:
            raise ServiceError("InvalidParameterException", "TargetArn or InstanceId is required")
        return self._instance(state, {"InstanceId": target})

    def op_SearchAvailablePhoneNumbers(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        self._target(state, params)
        country, kind, prefix = (
            params["PhoneNumberCountryCode"],
            params["PhoneNumberType"],
            params.get("PhoneNumberPrefix"),
        )
        claimed = {number.number for number in state.numbers.values()}
        lead, low, high, width = FICTIONAL_NUMBERS.get((country, kind), ("", 0, -1, 0))
        available = [f"{lead}{n:0{width}d}" for n in range(low, high + 1)]
        available = [n for n in available if n not in claimed and (not prefix or n.startswith(prefix))]
        page, token = _page(
            [{"PhoneNumber": n, "PhoneNumberCountryCode": country, "PhoneNumberType": kind} for n in available],
            params,
            10,
        )
        return {"AvailableNumbersList": page, "NextToken": token}

    def op_ClaimPhoneNumber(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._target(state, params)
        wanted = params["PhoneNumber"]
        source = next(
            (
                (country, kind)
                for (country, kind), (lead, low, high, width) in FICTIONAL_NUMBERS.items()
                if wanted.startswith(lead)
                and len(wanted) == len(lead) + width
                and low <= int(wanted[len(lead) :]) <= high
            ),
            None,
        )
        if source is None or any(number.number == wanted for number in state.numbers.values()):
            raise ServiceError("InvalidParameterException", f"{wanted} is not available to claim")
        number_id = _new_id()
        number = PhoneNumber(
            number_id,
            state.arn(f"phone-number/{number_id}"),
            wanted,
            source[0],
            source[1],
            params.get("PhoneNumberDescription"),
            instance.arn,
            instance.id,
            self._tags(params),
        )
        state.numbers[number_id] = number
        return {"PhoneNumberId": number.id, "PhoneNumberArn": number.arn}

    def _number(self, state: Region, number_id: str) -> PhoneNumber:
        number = state.numbers.get(number_id.rsplit("/", 1)[-1])
        if number is None:
            raise ServiceError("ResourceNotFoundException", f"phone number {number_id} not found")
        return number

    def op_DescribePhoneNumber(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        number = self._number(state, params["PhoneNumberId"])
        return {
            "ClaimedPhoneNumberSummary": {
                **number.summary(),
                "Tags": dict(number.tags),
                "PhoneNumberStatus": {"Status": "CLAIMED"},
            }
        }

    def op_UpdatePhoneNumber(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        number = self._number(state, params["PhoneNumberId"])
        instance = self._target(state, params)
        previous = state.instances.get(number.instance_id)
        if previous is not None:
            previous.flow_numbers.pop(number.id, None)
        number.target_arn, number.instance_id = instance.arn, instance.id
        return {"PhoneNumberId": number.id, "PhoneNumberArn": number.arn}

    def op_ReleasePhoneNumber(self, state: Region, params: dict[str, Any]) -> None:
        number = self._number(state, params["PhoneNumberId"])
        instance = state.instances.get(number.instance_id)
        if instance is not None:
            instance.flow_numbers.pop(number.id, None)
        del state.numbers[number.id]

    def op_ListPhoneNumbersV2(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        target = self._target(state, params).id if params.get("TargetArn") or params.get("InstanceId") else None
        items = [n.summary() for n in state.numbers.values() if self._number_wanted(n, params, target)]
        page, token = _page(items, params)
        return {"ListPhoneNumbersSummaryList": page, "NextToken": token}

    def op_ListPhoneNumbers(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        items = [
            {
                "Id": n.id,
                "Arn": n.arn,
                "PhoneNumber": n.number,
                "PhoneNumberType": n.type,
                "PhoneNumberCountryCode": n.country,
            }
            for n in state.numbers.values()
            if self._number_wanted(n, params, instance.id)
        ]
        page, token = _page(items, params)
        return {"PhoneNumberSummaryList": page, "NextToken": token}

    @staticmethod
    def _number_wanted(number: PhoneNumber, params: Mapping[str, Any], instance_id: str | None) -> bool:
        return (
            instance_id in (None, number.instance_id)
            and number.type in (params.get("PhoneNumberTypes") or [number.type])
            and number.country in (params.get("PhoneNumberCountryCodes") or [number.country])
            and number.number.startswith(params.get("PhoneNumberPrefix") or "")
        )

    def op_AssociatePhoneNumberContactFlow(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        number = self._number(state, params["PhoneNumberId"])
        if number.instance_id != instance.id:
            raise ServiceError(
                "InvalidParameterException", f"phone number {number.number} is not claimed for this instance"
            )
        flow = instance.find(FLOW, params["ContactFlowId"])
        if flow.body["Type"] != "CONTACT_FLOW":
            raise ServiceError(
                "InvalidParameterException",
                f"a number can only go to a CONTACT_FLOW flow; {flow.name!r} is {flow.body['Type']}",
            )
        instance.flow_numbers[number.id] = flow.id

    def op_DisassociatePhoneNumberContactFlow(self, state: Region, params: dict[str, Any]) -> None:
        instance = self._instance(state, params)
        number = self._number(state, params["PhoneNumberId"])
        if instance.flow_numbers.pop(number.id, None) is None:
            raise ServiceError("ResourceNotFoundException", f"phone number {number.number} is not routed to a flow")

    def op_ListFlowAssociations(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instance(state, params)
        items = [
            {
                "ResourceId": state.numbers[number].arn,
                "FlowId": instance.find(FLOW, flow).arn,
                "ResourceType": "VOICE_PHONE_NUMBER",
            }
            for number, flow in instance.flow_numbers.items()
        ]
        page, token = _page(items, params)
        return {"FlowAssociationSummaryList": page, "NextToken": token}

    # -- tags -----------------------------------------------------------------------------------

    def _tagged(self, state: Region, arn: str) -> dict[str, str]:
        for instance in state.instances.values():
            if arn == instance.arn:
                return instance.tags
            if arn.startswith(instance.arn + "/"):
                _, segment, resource_id = arn[len(instance.arn) :].split("/", 2)
                if segment in KINDS:
                    return instance.find(KINDS[segment], resource_id).tags
        for number in state.numbers.values():
            if arn == number.arn:
                return number.tags
        raise ServiceError("ResourceNotFoundException", f"{arn} not found")

    def op_TagResource(self, state: Region, params: dict[str, Any]) -> None:
        self._tagged(state, params["resourceArn"]).update(params["tags"])

    def op_UntagResource(self, state: Region, params: dict[str, Any]) -> None:
        tags = self._tagged(state, params["resourceArn"])
        for key in params["tagKeys"]:
            tags.pop(key, None)

    def op_ListTagsForResource(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        return {"tags": dict(self._tagged(state, params["resourceArn"]))}

    # -- metrics --------------------------------------------------------------------------------

    def op_GetCurrentMetricData(self, state: Region, params: dict[str, Any]) -> dict[str, Any]:
        """No contact ever reaches the emulator, so every queue's current metrics are zero (as an idle
        instance's are); the answer has AWS's shape, one result per queue asked for."""
        instance = self._instance(state, params)
        queues = [
            instance.find(QUEUE, queue_id.rsplit("/", 1)[-1]) for queue_id in params["Filters"].get("Queues") or []
        ]
        metrics = [{"Metric": metric, "Value": 0.0} for metric in params["CurrentMetrics"]]
        results = [
            {"Dimensions": {"Queue": {"Id": queue.id, "Arn": queue.arn}}, "Collections": metrics} for queue in queues
        ]
        page, token = _page(results, params)
        return {
            "MetricResults": page,
            "NextToken": token,
            "DataSnapshotTime": _now(),
            "ApproximateTotalCount": len(results),
        }
