"""API Gateway stack of the architecture: the private REST API operators and supervisors use.

- PRIVATE endpoint, reachable only through the security layer's execute-api VPC endpoint: the
  resource policy denies every request that does not come through it.
- The routes are data (``ROUTES``, modules/routes.py, each with the scope that may call it): each is
  a Lambda proxy integration (core API or command center) behind the JWT authorizer, whose grants
  are generated from the same table, with a request validator. Bodies are checked against the JSON
  schema models below; path parameters and required query parameters are declared required.
- The stage has JSON access logs (KMS-encrypted log group), X-Ray, throttling from ``[api]`` and,
  when configured, a cache.
- The deployment is redeployed exactly when the API definition changes: its trigger is a hash of
  the route table, the models and the authorizer settings, all known at synth time.

The models mirror the pydantic models the functions validate with (``lambdas/shared/cc_shared/
models.py``); a unit test keeps their required fields and properties in step. API Gateway validates
with JSON Schema draft 4, which pydantic does not emit, hence the separate, small schemas.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from cdktf import DataResource, Fn, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.api_gateway_account import ApiGatewayAccount
from cdktf_cdktf_provider_aws.api_gateway_authorizer import ApiGatewayAuthorizer
from cdktf_cdktf_provider_aws.api_gateway_deployment import ApiGatewayDeployment
from cdktf_cdktf_provider_aws.api_gateway_integration import ApiGatewayIntegration
from cdktf_cdktf_provider_aws.api_gateway_method import ApiGatewayMethod
from cdktf_cdktf_provider_aws.api_gateway_method_settings import (
    ApiGatewayMethodSettings,
    ApiGatewayMethodSettingsSettings,
)
from cdktf_cdktf_provider_aws.api_gateway_model import ApiGatewayModel
from cdktf_cdktf_provider_aws.api_gateway_request_validator import ApiGatewayRequestValidator
from cdktf_cdktf_provider_aws.api_gateway_resource import ApiGatewayResource
from cdktf_cdktf_provider_aws.api_gateway_rest_api import ApiGatewayRestApi, ApiGatewayRestApiEndpointConfiguration
from cdktf_cdktf_provider_aws.api_gateway_rest_api_policy import ApiGatewayRestApiPolicy
from cdktf_cdktf_provider_aws.api_gateway_stage import ApiGatewayStage, ApiGatewayStageAccessLogSettings
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from envs import EnvConfig
from modules.lambda_ import EntryPoint
from modules.naming import API_LOG_GROUPS, API_STAGE, Function, api_name
from modules.policy import Statement, policy_document
from modules.routes import ROUTES, Route

TOKEN_PATTERN = r"^Bearer [A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.[A-Za-z0-9_=+/.-]*$"
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLatency": "$context.responseLatency",
        "integrationLatency": "$context.integration.latency",
        "integrationError": "$context.integration.error",
        "authorizerError": "$context.authorizer.error",
        "principalId": "$context.authorizer.principalId",
        "sourceIp": "$context.identity.sourceIp",
        "vpceId": "$context.identity.vpceId",
        "validationError": "$context.error.validationErrorString",
    },
    sort_keys=True,
)

_QUEUE_ID = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"}
_PHONE = {"type": "string", "pattern": "^\\+[1-9][0-9]{6,14}$"}
_EMAIL = {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", "maxLength": 254}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 1024}


def _object(properties: Mapping[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": dict(properties)}
    if required:
        schema["required"] = list(required)
    return schema


# Request body models (JSON Schema draft 4), by model name.
MODELS: dict[str, dict[str, Any]] = {
    "NewQueue": _object(
        {
            "queue_id": _QUEUE_ID,
            "name": {"type": "string", "minLength": 1, "maxLength": 127},
            "description": {"type": "string", "maxLength": 1024},
            "connect_queue_arn": {"type": ["string", "null"], "pattern": "^arn:aws[a-z-]*:connect:"},
        },
        required=("queue_id", "name"),
    ),
    "QueueExperience": _object(
        {
            "welcome_message": _TEXT,
            "hold_message": _TEXT,
            "prompt_interval_seconds": {"type": "integer", "minimum": 15, "maximum": 600},
            "max_queue_seconds": {"type": "integer", "minimum": 60, "maximum": 7200},
            "callback": _object(
                {"enabled": {"type": "boolean"}, "max_wait_minutes": {"type": "integer", "minimum": 1, "maximum": 1440}}
            ),
            "voicemail_enabled": {"type": "boolean"},
            "notify": _object(
                {
                    "emails": {"type": "array", "items": _EMAIL, "maxItems": 20},
                    "phone_numbers": {"type": "array", "items": _PHONE, "maxItems": 20},
                }
            ),
        }
    ),
    "NewCallback": _object(
        {
            "queue_id": _QUEUE_ID,
            "phone_number": _PHONE,
            "contact_id": {"type": ["string", "null"], "minLength": 1, "maxLength": 256},
            "due_at": {"type": ["string", "null"], "format": "date-time"},
        },
        required=("queue_id", "phone_number"),
    ),
}


API_FUNCTIONS = (Function.CORE_API, Function.COMMAND_CENTER)


def definition_hash(config: EnvConfig) -> str:
    """Changes exactly when what a deployment snapshots changes: routes, models, authorizer settings."""
    definition = {
        # A route's scope is the authorizer's business (its grants), not part of the deployed API.
        "routes": [{k: v for k, v in asdict(route).items() if k != "scope"} for route in ROUTES],
        "models": MODELS,
        "authorizer": {"ttl": config.api.authorizer_cache_seconds, "pattern": TOKEN_PATTERN},
    }
    return hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class PrivateApiProps:
    functions: Mapping[Function, EntryPoint]  # what the API invokes (alias when published)
    vpc_endpoint_id: str  # the execute-api interface endpoint
    logs_key: KmsKey  # encrypts the stage's access log group
    # the account's API Gateway settings (account stack) when this env owns them; None: another env's
    account_settings: ApiGatewayAccount | None = None


class PrivateApi(Construct):
    """Exposes ``api``, ``stage``, ``authorizer``, ``methods`` ((method, path) -> ApiGatewayMethod),
    ``validators``, ``models``, ``deployment`` and ``access_logs``."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: PrivateApiProps) -> None:
        super().__init__(scope, construct_id)
        self._config, self._props = config, props
        self.api = ApiGatewayRestApi(
            self,
            "api",
            name=api_name(config),
            description=f"Contact center private API ({config.name})",
            endpoint_configuration=ApiGatewayRestApiEndpointConfiguration(
                types=["PRIVATE"], vpc_endpoint_ids=[props.vpc_endpoint_id]
            ),
            disable_execute_api_endpoint=False,  # private APIs are called through it, via the VPC endpoint
            minimum_compression_size="1024",
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        self.policy = self._resource_policy() if config.api.restrict_to_vpc_endpoint else None
        self.authorizer = self._authorizer()
        self.validators = {
            "body": ApiGatewayRequestValidator(
                self, "validate-body", rest_api_id=self.api.id, name="body-and-parameters",
                validate_request_body=True, validate_request_parameters=True,
            ),
            "parameters": ApiGatewayRequestValidator(
                self, "validate-parameters", rest_api_id=self.api.id, name="parameters",
                validate_request_body=False, validate_request_parameters=True,
            ),
        }  # fmt: skip
        self.models = {
            name: ApiGatewayModel(
                self,
                f"model-{name}",
                rest_api_id=self.api.id,
                name=name,
                content_type="application/json",
                schema=json.dumps({"$schema": "http://json-schema.org/draft-04/schema#", "title": name, **schema}),
            )
            for name, schema in MODELS.items()
        }
        self._resources: dict[str, str] = {"": self.api.root_resource_id}
        self.methods: dict[tuple[str, str], ApiGatewayMethod] = {}
        self.integrations: list[ApiGatewayIntegration] = []
        for route in ROUTES:
            self._route(route)
        self._invoke_permissions()
        self.deployment = ApiGatewayDeployment(
            self,
            "deployment",
            rest_api_id=self.api.id,
            description="Redeployed when the API definition changes (triggers)",
            triggers={"definition": definition_hash(config)},
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            depends_on=[*self.methods.values(), *self.integrations, *([self.policy] if self.policy else [])],
        )
        self.access_logs = CloudwatchLogGroup(
            self,
            "access-logs",
            name=f"{API_LOG_GROUPS}{api_name(config)}/access",
            retention_in_days=config.api.access_log_retention_days,
            kms_key_id=props.logs_key.arn,
        )
        # The stage's logging needs the account's CloudWatch role set first (another stack's resource:
        # ordered through a value of it, which cdktf turns into a stack dependency).
        self.account_logging = (
            DataResource(
                self, "account-logging", input={"cloudwatch_role_arn": props.account_settings.cloudwatch_role_arn}
            )
            if props.account_settings is not None
            else None
        )
        self.stage = self._stage()

    def _resource_policy(self) -> ApiGatewayRestApiPolicy:
        invoke = f"{self.api.execution_arn}/*"
        return ApiGatewayRestApiPolicy(
            self,
            "policy",
            rest_api_id=self.api.id,
            policy=policy_document(
                Statement(
                    sid="InvokeThroughTheVpcEndpoint",
                    principal={"AWS": "*"},
                    actions=["execute-api:Invoke"],
                    resources=[invoke],
                ),
                Statement(
                    sid="DenyOutsideTheVpcEndpoint",
                    effect="Deny",
                    principal={"AWS": "*"},
                    actions=["execute-api:Invoke"],
                    resources=[invoke],
                    condition={"StringNotEquals": {"aws:SourceVpce": self._props.vpc_endpoint_id}},
                ),
            ),
        )

    def _authorizer(self) -> ApiGatewayAuthorizer:
        function = self._props.functions[Function.AUTHORIZER]
        authorizer = ApiGatewayAuthorizer(
            self,
            "jwt-authorizer",
            rest_api_id=self.api.id,
            name="jwt",
            type="TOKEN",
            authorizer_uri=function.invoke_arn,
            identity_source="method.request.header.Authorization",
            identity_validation_expression=TOKEN_PATTERN,
            authorizer_result_ttl_in_seconds=self._config.api.authorizer_cache_seconds,
        )
        LambdaPermission(
            self,
            "authorizer-permission",
            statement_id="AllowApiGatewayAuthorizer",
            action="lambda:InvokeFunction",
            function_name=function.function_name,
            qualifier=function.qualifier,
            principal="apigateway.amazonaws.com",
            source_arn=f"{self.api.execution_arn}/authorizers/{authorizer.id}",
        )
        return authorizer

    def _resource_id(self, path: str) -> str:
        """The resource for ``path``, creating its missing ancestors (``/v1/queues/{queueId}``...)."""
        if path in self._resources:
            return self._resources[path]
        parent, _, part = path.rpartition("/")
        parent_id = self._resource_id(parent)
        resource = ApiGatewayResource(
            self, f"resource{path.replace('{', '').replace('}', '')}", rest_api_id=self.api.id,
            parent_id=parent_id, path_part=part,
        )  # fmt: skip
        self._resources[path] = resource.id
        return resource.id

    def _route(self, route: Route) -> None:
        resource_id = self._resource_id(route.path)
        label = f"{route.method.lower()}{route.path.replace('{', '').replace('}', '')}"
        method = ApiGatewayMethod(
            self,
            f"method-{label}",
            rest_api_id=self.api.id,
            resource_id=resource_id,
            http_method=route.method,
            authorization="CUSTOM",
            authorizer_id=self.authorizer.id,
            request_validator_id=self.validators["body" if route.model else "parameters"].id,
            request_models={"application/json": self.models[route.model].name} if route.model else None,
            request_parameters=route.request_parameters() or None,
        )
        self.methods[(route.method, route.path)] = method
        self.integrations.append(
            ApiGatewayIntegration(
                self,
                f"integration-{label}",
                rest_api_id=self.api.id,
                resource_id=resource_id,
                http_method=method.http_method,
                type="AWS_PROXY",
                integration_http_method="POST",
                uri=self._props.functions[route.function].invoke_arn,
                timeout_milliseconds=29000,
            )
        )

    def _invoke_permissions(self) -> None:
        for function in API_FUNCTIONS:
            LambdaPermission(
                self,
                f"{function.value}-permission",
                statement_id="AllowPrivateApi",
                action="lambda:InvokeFunction",
                function_name=self._props.functions[function].function_name,
                qualifier=self._props.functions[function].qualifier,
                principal="apigateway.amazonaws.com",
                source_arn=f"{self.api.execution_arn}/{API_STAGE}/*/v1/*",
            )

    def _stage(self) -> ApiGatewayStage:
        api = self._config.api
        stage = ApiGatewayStage(
            self,
            "stage",
            rest_api_id=self.api.id,
            deployment_id=self.deployment.id,
            stage_name=API_STAGE,
            xray_tracing_enabled=True,
            cache_cluster_enabled=api.cache_enabled,
            cache_cluster_size=api.cache_size_gb if api.cache_enabled else None,
            access_log_settings=ApiGatewayStageAccessLogSettings(
                destination_arn=self.access_logs.arn, format=ACCESS_LOG_FORMAT
            ),
            depends_on=[self.account_logging] if self.account_logging else None,
        )
        ApiGatewayMethodSettings(
            self,
            "stage-settings",
            rest_api_id=self.api.id,
            stage_name=stage.stage_name,
            method_path="*/*",
            settings=ApiGatewayMethodSettingsSettings(
                metrics_enabled=True,
                logging_level="ERROR",  # execution logs for failures only; request bodies are never logged
                data_trace_enabled=False,
                throttling_rate_limit=api.throttling_rate_limit,
                throttling_burst_limit=api.throttling_burst_limit,
                caching_enabled=api.cache_enabled,
                cache_data_encrypted=True,  # whenever a cache is on, its entries are encrypted
            ),
        )
        return stage


def invoke_url(api: ApiGatewayRestApi, config: EnvConfig) -> str:
    """The private invoke URL (resolves only inside the VPC, through the endpoint's private DNS)."""
    return Fn.join("", ["https://", api.id, f".execute-api.{config.region}.amazonaws.com/{API_STAGE}"])
