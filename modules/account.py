"""Account-wide settings: one per AWS account and region, whatever the number of envs in it.

API Gateway writes CloudWatch logs (access and execution logs of every REST API stage in the region)
with the one role of the account's API Gateway settings. Created per env, two envs of one account
would overwrite each other's setting, and destroying one env would break the other's logging; so it
lives in the account stack (``stacks/account.py``), deployed by the one env per account and region
that ``api.manage_account_logging`` names (``envs.load_envs`` refuses two).
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.api_gateway_account import ApiGatewayAccount
from constructs import Construct

from envs import EnvConfig
from modules.naming import API_LOG_GROUPS, log_group_arn_pattern
from modules.policy import Statement
from modules.service_roles import ServiceRole, service_role

# API Gateway's own execution-log groups (it names them), beside the platform's access-log groups.
EXECUTION_LOG_GROUPS = "API-Gateway-Execution-Logs_"


class ApiGatewayAccountSettings(Construct):
    """Exposes ``settings`` (the account's API Gateway settings) and ``role`` (its CloudWatch role)."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig) -> None:
        super().__init__(scope, construct_id)
        self.role: ServiceRole = service_role(
            self,
            "cloudwatch-role",
            config,
            name=config.resource_name("apigateway-logs"),
            service="apigateway.amazonaws.com",
            description="Lets API Gateway write the access and execution logs of the account's REST APIs",
            statements=[
                Statement(
                    sid="WriteApiLogs",
                    actions=[
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:DescribeLogStreams",
                        "logs:PutLogEvents",
                    ],
                    resources=[
                        log_group_arn_pattern(config, API_LOG_GROUPS),
                        log_group_arn_pattern(config, EXECUTION_LOG_GROUPS),
                    ],
                ),
                # DescribeLogGroups has no resource type: scoped to log groups it would be granted on nothing.
                Statement(sid="ListLogGroups", actions=["logs:DescribeLogGroups"], resources=["*"]),
            ],
        )
        self.settings = ApiGatewayAccount(
            self,
            "settings",
            cloudwatch_role_arn=self.role.role.arn,
            depends_on=[self.role.policy] if self.role.policy else None,
        )
