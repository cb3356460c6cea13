"""Connect stack of the architecture: the Amazon Connect instance and everything inside it.

- The instance (alias, inbound/outbound, Contact Lens from ``[connect]``), with its storage:
  call recordings and chat transcripts to the recordings bucket, screen recordings to theirs (all
  SSE-KMS with the storage key), contact trace records and agent events to their Kinesis streams.
- Hours of operation, the standard queues of ``[connect] queues``, a routing profile serving them,
  agent and supervisor security profiles.
- Contact flows and flow modules are JSON templates under ``modules/connect_flows/`` (flows/,
  modules/), in Amazon Connect's flow language. They never contain an ARN: they say
  ``{{queue:<id>}}``, ``{{function:<name>}}``, ``{{module:<name>}}`` or ``{{hours:business-hours}}``
  and synth substitutes the real ids. An unknown placeholder fails synth, naming file and placeholder.
- Every function a flow invokes is associated with the instance and lets only this instance invoke it.
- A phone number is claimed only when ``claim_phone_number`` is on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cdktf_cdktf_provider_aws.connect_contact_flow import ConnectContactFlow
from cdktf_cdktf_provider_aws.connect_contact_flow_module import ConnectContactFlowModule
from cdktf_cdktf_provider_aws.connect_hours_of_operation import (
    ConnectHoursOfOperation,
    ConnectHoursOfOperationConfigA,
    ConnectHoursOfOperationConfigEndTime,
    ConnectHoursOfOperationConfigStartTime,
)
from cdktf_cdktf_provider_aws.connect_instance import ConnectInstance
from cdktf_cdktf_provider_aws.connect_instance_storage_config import (
    ConnectInstanceStorageConfig,
    ConnectInstanceStorageConfigStorageConfig,
    ConnectInstanceStorageConfigStorageConfigKinesisStreamConfig,
    ConnectInstanceStorageConfigStorageConfigS3Config,
    ConnectInstanceStorageConfigStorageConfigS3ConfigEncryptionConfig,
)
from cdktf_cdktf_provider_aws.connect_lambda_function_association import ConnectLambdaFunctionAssociation
from cdktf_cdktf_provider_aws.connect_phone_number import ConnectPhoneNumber
from cdktf_cdktf_provider_aws.connect_queue import ConnectQueue
from cdktf_cdktf_provider_aws.connect_routing_profile import (
    ConnectRoutingProfile,
    ConnectRoutingProfileMediaConcurrencies,
    ConnectRoutingProfileQueueConfigs,
)
from cdktf_cdktf_provider_aws.connect_security_profile import ConnectSecurityProfile
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from envs import EnvConfig
from modules.lambda_ import EntryPoint
from modules.naming import Function

TEMPLATES = Path(__file__).resolve().parent / "connect_flows"
PLACEHOLDER = re.compile(r"\{\{(?P<kind>[a-z]+):(?P<name>[a-z0-9-]+)\}\}")
BUSINESS_HOURS = "business-hours"
WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")
OPENING, CLOSING = (8, 0), (18, 0)
SECURITY_PROFILES = {
    "agent": ("BasicAgentAccess", "OutboundCallAccess"),
    "supervisor": ("BasicAgentAccess", "OutboundCallAccess", "AccessMetrics", "ListenCallRecordings"),
}


class FlowTemplateError(ValueError):
    """A flow template is not valid JSON or names something the platform does not have."""


@dataclass(frozen=True)
class Template:
    kind: str  # "flow" or "module"
    name: str
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text()

    def placeholders(self) -> set[tuple[str, str]]:
        return {(m["kind"], m["name"]) for m in PLACEHOLDER.finditer(self.text)}


def templates(folder: Path = TEMPLATES) -> list[Template]:
    found = [Template("module", p.stem, p) for p in sorted((folder / "modules").glob("*.json"))]
    found += [Template("flow", p.stem, p) for p in sorted((folder / "flows").glob("*.json"))]
    for template in found:
        try:
            json.loads(template.text)
        except ValueError as error:
            raise FlowTemplateError(f"{template.path.name}: not valid JSON ({error})") from None
    return found


def render(template: Template, values: Mapping[tuple[str, str], str]) -> str:
    """The template with every placeholder replaced; unknown placeholders are an error."""
    unknown = sorted(template.placeholders() - values.keys())
    if unknown:
        names = ", ".join(f"{{{{{kind}:{name}}}}}" for kind, name in unknown)
        raise FlowTemplateError(f"{template.path.name}: unknown placeholder(s) {names}")
    return PLACEHOLDER.sub(lambda m: values[(m["kind"], m["name"])], template.text)


@dataclass(frozen=True)
class ContactCenterProps:
    functions: Mapping[Function, EntryPoint]  # what flows invoke (alias when published)
    recordings_bucket: str
    screen_recordings_bucket: str
    storage_key_arn: str
    ctr_stream_arn: str
    agent_events_stream_arn: str


class ContactCenter(Construct):
    """Exposes ``instance``, ``storage`` (resource type -> config), ``hours``, ``queues`` (id ->
    ConnectQueue), ``routing_profile``, ``security_profiles``, ``flows``, ``flow_modules``,
    ``lambda_associations`` (Function -> association) and ``phone_number`` (or None)."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: ContactCenterProps) -> None:
        super().__init__(scope, construct_id)
        self._config, self._props = config, props
        connect = config.connect
        self.instance = ConnectInstance(
            self,
            "instance",
            instance_alias=connect.instance_alias,
            identity_management_type="CONNECT_MANAGED",
            inbound_calls_enabled=connect.inbound_calls,
            outbound_calls_enabled=connect.outbound_calls,
            contact_lens_enabled=connect.contact_lens,
            contact_flow_logs_enabled=True,
            auto_resolve_best_voices_enabled=True,
            early_media_enabled=True,
        )
        self.storage = self._storage()
        self.hours = self._hours()
        self.queues = {
            queue_id: ConnectQueue(
                self,
                f"queue-{queue_id}",
                instance_id=self.instance.id,
                name=queue_id,
                description=f"{queue_id} queue ({config.name})",
                hours_of_operation_id=self.hours.hours_of_operation_id,
            )
            for queue_id in connect.queues
        }
        self.routing_profile = self._routing_profile()
        self.security_profiles = {
            name: ConnectSecurityProfile(
                self,
                f"security-profile-{name}",
                instance_id=self.instance.id,
                name=name,
                description=f"{name.title()}s of the {config.name} contact center",
                permissions=list(permissions),
            )
            for name, permissions in SECURITY_PROFILES.items()
        }
        self.lambda_associations: dict[Function, ConnectLambdaFunctionAssociation] = {}
        self.flow_modules: dict[str, ConnectContactFlowModule] = {}
        self.flows: dict[str, ConnectContactFlow] = {}
        self._flows(templates())
        self.phone_number = (
            ConnectPhoneNumber(
                self,
                "phone-number",
                target_arn=self.instance.arn,
                country_code=connect.phone_country_code,
                type="DID",
                description=f"Inbound number of the {config.name} contact center",
            )
            if connect.claim_phone_number
            else None
        )

    def _storage(self) -> dict[str, ConnectInstanceStorageConfig]:
        props = self._props

        def s3(bucket: str, prefix: str) -> ConnectInstanceStorageConfigStorageConfig:
            return ConnectInstanceStorageConfigStorageConfig(
                storage_type="S3",
                s3_config=ConnectInstanceStorageConfigStorageConfigS3Config(
                    bucket_name=bucket,
                    bucket_prefix=prefix,
                    encryption_config=ConnectInstanceStorageConfigStorageConfigS3ConfigEncryptionConfig(
                        encryption_type="KMS", key_id=props.storage_key_arn
                    ),
                ),
            )

        def kinesis(stream_arn: str) -> ConnectInstanceStorageConfigStorageConfig:
            return ConnectInstanceStorageConfigStorageConfig(
                storage_type="KINESIS_STREAM",
                kinesis_stream_config=ConnectInstanceStorageConfigStorageConfigKinesisStreamConfig(
                    stream_arn=stream_arn
                ),
            )

        configs = {
            "CALL_RECORDINGS": s3(props.recordings_bucket, "recordings"),
            "CHAT_TRANSCRIPTS": s3(props.recordings_bucket, "transcripts"),
            "SCREEN_RECORDINGS": s3(props.screen_recordings_bucket, "screen-recordings"),
            "CONTACT_TRACE_RECORDS": kinesis(props.ctr_stream_arn),
            "AGENT_EVENTS": kinesis(props.agent_events_stream_arn),
        }
        return {
            resource_type: ConnectInstanceStorageConfig(
                self,
                f"storage-{resource_type.lower().replace('_', '-')}",
                instance_id=self.instance.id,
                resource_type=resource_type,
                storage_config=storage,
            )
            for resource_type, storage in configs.items()
        }

    def _hours(self) -> ConnectHoursOfOperation:
        return ConnectHoursOfOperation(
            self,
            "business-hours",
            instance_id=self.instance.id,
            name=BUSINESS_HOURS,
            description="Weekdays, 08:00-18:00",
            time_zone=self._config.connect.time_zone,
            config=[
                ConnectHoursOfOperationConfigA(
                    day=day,
                    start_time=ConnectHoursOfOperationConfigStartTime(hours=OPENING[0], minutes=OPENING[1]),
                    end_time=ConnectHoursOfOperationConfigEndTime(hours=CLOSING[0], minutes=CLOSING[1]),
                )
                for day in WEEKDAYS
            ],
        )

    def _routing_profile(self) -> ConnectRoutingProfile:
        first = self._config.connect.queues[0]
        return ConnectRoutingProfile(
            self,
            "routing-profile",
            instance_id=self.instance.id,
            name="agents",
            description="Serves every standard queue; voice one at a time, up to two chats",
            default_outbound_queue_id=self.queues[first].queue_id,
            media_concurrencies=[
                ConnectRoutingProfileMediaConcurrencies(channel="VOICE", concurrency=1),
                ConnectRoutingProfileMediaConcurrencies(channel="CHAT", concurrency=2),
            ],
            queue_configs=[
                ConnectRoutingProfileQueueConfigs(channel=channel, delay=0, priority=1, queue_id=queue.queue_id)
                for queue in self.queues.values()
                for channel in ("VOICE", "CHAT")
            ],
        )

    def _flows(self, found: list[Template]) -> None:
        values: dict[tuple[str, str], str] = {("hours", BUSINESS_HOURS): self.hours.hours_of_operation_id}
        values |= {("queue", queue_id): queue.arn for queue_id, queue in self.queues.items()}
        for template in found:
            for kind, name in sorted(template.placeholders()):
                if kind == "function":
                    values[(kind, name)] = self._associate(template, name)
        for template in found:  # modules first (templates() lists them first): flows refer to them
            content = render(template, values)
            if template.kind == "module":
                module = ConnectContactFlowModule(
                    self, f"module-{template.name}", instance_id=self.instance.id, name=template.name,
                    description=f"Flow module {template.name} (modules/connect_flows/modules)", content=content,
                )  # fmt: skip
                self.flow_modules[template.name] = module
                values[("module", template.name)] = module.contact_flow_module_id
            else:
                self.flows[template.name] = ConnectContactFlow(
                    self, f"flow-{template.name}", instance_id=self.instance.id, name=template.name,
                    type="CONTACT_FLOW", description=f"Contact flow {template.name} (modules/connect_flows/flows)",
                    content=content,
                )  # fmt: skip

    def _associate(self, template: Template, name: str) -> str:
        """Associate the function a flow invokes (once) and let only this instance invoke it."""
        try:
            function = Function(name)
        except ValueError:
            raise FlowTemplateError(
                f"{template.path.name}: {{{{function:{name}}}}} is not a platform function"
            ) from None
        resource = self._props.functions[function]
        if function not in self.lambda_associations:
            self.lambda_associations[function] = ConnectLambdaFunctionAssociation(
                self, f"lambda-{name}", instance_id=self.instance.id, function_arn=resource.arn
            )
            LambdaPermission(
                self,
                f"lambda-{name}-permission",
                statement_id="AllowConnectInstance",
                action="lambda:InvokeFunction",
                function_name=resource.function_name,
                qualifier=resource.qualifier,
                principal="connect.amazonaws.com",
                source_arn=self.instance.arn,
                source_account=self._config.account_id,
            )
        return resource.arn
