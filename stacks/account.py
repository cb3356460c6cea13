"""Account stack: settings that exist once per AWS account and region (modules/account.py).

Deployed by the one env of each account and region that ``api.manage_account_logging`` names, as
``account-<env>`` with its state beside that env's stacks; the other envs of the account rely on it.
"""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from envs import EnvConfig
from modules.account import ApiGatewayAccountSettings
from stacks.base import EnvStack

ACCOUNT_PART = "account"


class AccountStack(EnvStack):
    """Exposes ``api_gateway`` (the account's API Gateway settings and their CloudWatch role)."""

    def __init__(self, scope: Construct, config: EnvConfig) -> None:
        super().__init__(scope, ACCOUNT_PART, config)
        self.api_gateway = ApiGatewayAccountSettings(self, "api-gateway", config)
        TerraformOutput(self, "api_gateway_cloudwatch_role_arn", value=self.api_gateway.role.role.arn)
