"""Connect stack of the architecture: the Amazon Connect instance and everything inside it.

- The instance (alias, inbound/outbound, Contact Lens from ``[connect]``), with its storage:
  call recordings and chat transcripts to the recordings bucket, screen recordings to theirs (all
  SSE-KMS with the storage key), contact trace records and agent events to their Kinesis streams.
  ``connect.prevent_destroy`` (required in production) makes Terraform refuse to replace it.
- How contacts reach agents (hours, queues, routing profiles, quick connects: ``connect_routing.py``)
  and who the agents are (security profiles, hierarchy, users: ``connect_agents.py``), from ``[connect]``.
- Contact flows and flow modules from the templates under ``modules/connect_flows/`` (see
  ``templates.py``: each declares its type; placeholders stand for every id and setting),
  rendered for the env, checked (``checker.py``) and given a designer layout (``layout.py``).
  Modules first, then each flow after the flows it references, because Connect validates a
  published flow's references when it is created.
- Every function a flow invokes is associated with the instance and lets only this instance invoke
  it; the flows that invoke it depend on both, so the first deploy cannot race them.
- The numbers of ``connect.phone_numbers`` are claimed and routed to their flows: hashicorp/aws
  5.100.0 has no resource that associates a number with a flow, so Terraform invokes the
  utilities function's ``route-phone-numbers`` job (``aws_lambda_invocation``, on create, update
  and delete), which calls AssociatePhoneNumberContactFlow.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.connect_contact_flow import ConnectContactFlow
from cdktf_cdktf_provider_aws.connect_contact_flow_module import ConnectContactFlowModule
from cdktf_cdktf_provider_aws.connect_instance import ConnectInstance
from cdktf_cdktf_provider_aws.connect_instance_storage_config import (
    ConnectInstanceStorageConfig,
    ConnectInstanceStorageConfigStorageConfig,
    ConnectInstanceStorageConfigStorageConfigKinesisStreamConfig,
    ConnectInstanceStorageConfigStorageConfigKinesisVideoStreamConfig,
    ConnectInstanceStorageConfigStorageConfigKinesisVideoStreamConfigEncryptionConfig,
    ConnectInstanceStorageConfigStorageConfigS3Config,
    ConnectInstanceStorageConfigStorageConfigS3ConfigEncryptionConfig,
)
from cdktf_cdktf_provider_aws.connect_lambda_function_association import ConnectLambdaFunctionAssociation
from cdktf_cdktf_provider_aws.connect_phone_number import ConnectPhoneNumber
from cdktf_cdktf_provider_aws.connect_queue import ConnectQueue
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.kinesis_stream import KinesisStream
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.lambda_invocation import LambdaInvocation
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from constructs import Construct

from envs import EnvConfig
from modules.connect_agents import Agents, AgentsProps
from modules.connect_flows.checker import check
from modules.connect_flows.language import FlowType
from modules.connect_flows.layout import with_layout
from modules.connect_flows.templates import (
    FlowTemplateError,
    References,
    Template,
    flow_order,
    load_templates,
    referenced,
    render,
)
from modules.connect_routing import Routing, RoutingProps
from modules.lambda_ import EntryPoint
from modules.naming import Function, media_stream_prefix
from modules.policy import Statement, policy_document

ROUTE_NUMBERS_JOB = "route-phone-numbers"


@dataclass(frozen=True)
class ContactCenterProps:
    functions: Mapping[Function, EntryPoint]  # what flows invoke (alias when published)
    routing_role: IamRole  # the utilities function's role: it routes the claimed numbers to their flows
    metrics_reader: IamRole  # the command center function's role: it reads this instance's queue metrics
    recordings: S3Bucket  # the bucket for call recordings and chat transcripts
    screen_recordings: S3Bucket  # the bucket for agents' screen recordings
    storage_key: KmsKey  # encrypts recordings, transcripts and streamed caller audio
    ctr_stream: KinesisStream  # where Connect writes contact trace records
    agent_events_stream: KinesisStream  # where Connect writes agent events


class ContactCenter(Construct):
    """Exposes ``instance``, ``storage`` (resource type -> config), ``phone_numbers`` (config name ->
    number), ``routing`` (hours, queues, routing profiles, quick connects), ``agents`` (security
    profiles, hierarchy, users), ``flows``, ``flow_modules``, ``lambda_associations`` (Function ->
    association) and ``number_routing`` (the invocation that routes the numbers, or None)."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: ContactCenterProps) -> None:
        super().__init__(scope, construct_id)
        self._config, self._props = config, props
        connect = config.connect
        self.instance = ConnectInstance(
            self,
            "instance",
            instance_alias=connect.instance_alias,
            identity_management_type=connect.identity,
            directory_id=connect.directory_id,
            inbound_calls_enabled=connect.inbound_calls,
            outbound_calls_enabled=connect.outbound_calls,
            contact_lens_enabled=connect.contact_lens,
            contact_flow_logs_enabled=True,
            auto_resolve_best_voices_enabled=True,
            early_media_enabled=True,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True) if connect.prevent_destroy else None,
        )
        self.storage = self._storage()
        self.phone_numbers = {
            number.name: ConnectPhoneNumber(
                self,
                f"phone-number-{number.name}",
                target_arn=self.instance.arn,
                country_code=number.country_code,
                type=number.type,
                description=number.description or f"Routed to the {number.flow} flow ({config.name})",
            )
            for number in connect.phone_numbers
        }
        self.routing = Routing(self, "routing", config, RoutingProps(self.instance, self.phone_numbers))
        self.agents = Agents(self, "agents", config, AgentsProps(self.instance, self.routing.routing_profiles))
        self.lambda_associations: dict[Function, ConnectLambdaFunctionAssociation] = {}
        self._invoke_permissions: dict[Function, LambdaPermission] = {}
        self.flow_modules: dict[str, ConnectContactFlowModule] = {}
        self.flows: dict[str, ConnectContactFlow] = {}
        templates = load_templates()
        self._flows(templates)
        transfer = next(t.name for t in templates if t.kind == "flow" and t.flow_type is FlowType.QUEUE_TRANSFER)
        self.routing.add_quick_connects(self.flows[transfer])
        self.number_routing = self._route_numbers() if self.phone_numbers else None
        self.metrics_policy = self._metrics_reader()

    def _grant(self, construct_id: str, role: IamRole, statement: Statement, *, name: str) -> IamRolePolicy:
        """An inline policy named ``name`` on another layer's function role, for this instance."""
        return IamRolePolicy(self, construct_id, name=name, role=role.name, policy=policy_document(statement))

    def _metrics_reader(self) -> IamRolePolicy:
        """The command center reads this instance's queue metrics, and nothing else of Connect."""
        instance = self.instance
        metrics = self._grant(
            "command-center-metrics-policy",
            self._props.metrics_reader,
            Statement(
                sid="ReadQueueMetricsOfThisInstance",
                actions=["connect:GetCurrentMetricData", "connect:ListQueues"],
                resources=[instance.arn, f"{instance.arn}/queue/*"],
            ),
            name="read-connect-metrics",
        )
        metrics.move_from_id("aws_iam_role_policy.command-center-metrics-policy")  # in the stack until 2026-11
        return metrics

    @property
    def queues(self) -> dict[str, ConnectQueue]:
        return self.routing.queues

    def _storage(self) -> dict[str, ConnectInstanceStorageConfig]:
        props = self._props

        def s3(bucket: str, prefix: str) -> ConnectInstanceStorageConfigStorageConfig:
            return ConnectInstanceStorageConfigStorageConfig(
                storage_type="S3",
                s3_config=ConnectInstanceStorageConfigStorageConfigS3Config(
                    bucket_name=bucket,
                    bucket_prefix=prefix,
                    encryption_config=ConnectInstanceStorageConfigStorageConfigS3ConfigEncryptionConfig(
                        encryption_type="KMS", key_id=props.storage_key.arn
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

        media = ConnectInstanceStorageConfigStorageConfig(  # a caller's voicemail, streamed live
            storage_type="KINESIS_VIDEO_STREAM",
            kinesis_video_stream_config=ConnectInstanceStorageConfigStorageConfigKinesisVideoStreamConfig(
                prefix=media_stream_prefix(self._config),
                retention_period_hours=self._config.connect.media_retention_hours,
                encryption_config=ConnectInstanceStorageConfigStorageConfigKinesisVideoStreamConfigEncryptionConfig(
                    encryption_type="KMS", key_id=props.storage_key.arn
                ),
            ),
        )
        configs = {
            "CALL_RECORDINGS": s3(props.recordings.bucket, "recordings"),
            "CHAT_TRANSCRIPTS": s3(props.recordings.bucket, "transcripts"),
            "SCREEN_RECORDINGS": s3(props.screen_recordings.bucket, "screen-recordings"),
            "CONTACT_TRACE_RECORDS": kinesis(props.ctr_stream.arn),
            "AGENT_EVENTS": kinesis(props.agent_events_stream.arn),
            "MEDIA_STREAMS": media,
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

    def _flows(self, templates: list[Template]) -> None:
        """Modules, then flows (each after the flows it references), rendered, checked and laid out."""
        functions = {
            name: self._associate(template, name)
            for template in templates
            for name in sorted(referenced(template, "function"))
        }
        queues = {name: queue.arn for name, queue in self.queues.items()}
        for template in flow_order(templates):
            references = References(
                queues=queues,
                functions=functions,
                modules={name: module.contact_flow_module_id for name, module in self.flow_modules.items()},
                flows={name: flow.arn for name, flow in self.flows.items()},
            )
            content = render(template, self._config, references)
            problems = check(content, template.flow_type, template.source)
            if problems:
                raise FlowTemplateError(problems)
            invoked = [Function(name) for name in sorted(referenced(template, "function"))]
            waits_for = [self.lambda_associations[f] for f in invoked] + [self._invoke_permissions[f] for f in invoked]
            self._create(template, json.dumps(with_layout(content), sort_keys=True), waits_for)

    def _create(self, template: Template, content: str, waits_for: list[Any]) -> None:
        """The flow or module resource; it waits for the Lambda associations and permissions it needs,
        because Connect validates a published flow's functions when it is created."""
        instance, name, description = self.instance.id, template.name, template.description[:500]
        if template.kind == "module":
            self.flow_modules[name] = ConnectContactFlowModule(
                self, f"module-{name}", instance_id=instance, name=name, description=description, content=content,
                depends_on=waits_for or None,
            )  # fmt: skip
        else:
            self.flows[name] = ConnectContactFlow(
                self, f"flow-{name}", type=template.flow_type.value, instance_id=instance, name=name,
                description=description, content=content, depends_on=waits_for or None,
            )  # fmt: skip

    def _associate(self, template: Template, name: str) -> str:
        """Associate the function a flow invokes (once) and let only this instance invoke it."""
        try:
            function = Function(name)
        except ValueError:
            message = f"{{{{function:{name}}}}} is not a platform function"
            raise FlowTemplateError.single(template.source, message, "placeholder") from None
        entry = self._props.functions[function]
        if function not in self.lambda_associations:
            self.lambda_associations[function] = ConnectLambdaFunctionAssociation(
                self, f"lambda-{name}", instance_id=self.instance.id, function_arn=entry.arn
            )
            self._invoke_permissions[function] = LambdaPermission(
                self,
                f"lambda-{name}-permission",
                statement_id="AllowConnectInstance",
                action="lambda:InvokeFunction",
                function_name=entry.function_name,
                qualifier=entry.qualifier,
                principal="connect.amazonaws.com",
                source_arn=self.instance.arn,
                source_account=self._config.account_id,
            )
        return entry.arn

    def _route_numbers(self) -> LambdaInvocation:
        """Each claimed number to its flow, through the utilities function (see the module docstring)."""
        routes = [
            {"phoneNumberId": number.id, "contactFlowId": self.flows[wanted.flow].contact_flow_id}
            for wanted in self._config.connect.phone_numbers
            for number in [self.phone_numbers[wanted.name]]
        ]
        grant = self._grant(
            "number-routing-policy",
            self._props.routing_role,
            Statement(
                sid="RouteThisInstancesNumbersToItsFlows",
                actions=["connect:AssociatePhoneNumberContactFlow", "connect:DisassociatePhoneNumberContactFlow"],
                resources=[*(n.arn for n in self.phone_numbers.values()), f"{self.instance.arn}/contact-flow/*"],
            ),
            name="route-phone-numbers",
        )
        utilities = self._props.functions[Function.UTILITIES]
        return LambdaInvocation(
            self,
            "number-routing",
            function_name=utilities.function_name,
            qualifier=utilities.qualifier,
            input=json.dumps({"job": ROUTE_NUMBERS_JOB, "instanceId": self.instance.id, "routes": routes}),
            lifecycle_scope="CRUD",
            terraform_key="tf",
            depends_on=[grant, *self.flows.values()],
        )
