"""Application layer: what operators and callers touch. The private API, the platform's
EventBridge rules and schedules, and the alarms and dashboard. (Amazon Connect has its own stack,
``connect-<env>``, right after this one.)"""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from envs import EnvConfig
from modules.api_gateway import PrivateApi, PrivateApiProps, invoke_url
from modules.event_bridge import PLATFORM_RULES, EventRules, EventRulesProps
from modules.kms import EncryptionKey, EncryptionKeyProps, log_groups_grant
from modules.monitoring import Monitoring
from modules.naming import API_LOG_GROUPS
from stacks.account import AccountStack
from stacks.base import LayerStack
from stacks.integration import IntegrationStack
from stacks.layers import Layer
from stacks.security import SecurityStack


class ApplicationStack(LayerStack):
    """Exposes ``api``, ``event_rules`` and ``monitoring``."""

    def __init__(
        self,
        scope: Construct,
        config: EnvConfig,
        security: SecurityStack,
        integration: IntegrationStack,
        account: AccountStack | None = None,
    ) -> None:
        super().__init__(scope, Layer.APPLICATION, config)
        functions = integration.functions
        self.logs_key = EncryptionKey(
            self,
            "api-logs-key",
            config,
            EncryptionKeyProps(
                purpose="api-logs",
                description=f"Encrypts the private API's access logs of {config.name}",
                grants=[log_groups_grant(config, API_LOG_GROUPS)],
            ),
        )
        self.api = PrivateApi(
            self,
            "api",
            config,
            PrivateApiProps(
                functions=functions.entry_points,
                vpc_endpoint_id=security.endpoints.interfaces["execute-api"].id,
                logs_key=self.logs_key.key,
                account_settings=account.api_gateway.settings if account else None,
            ),
        )
        self.event_rules = EventRules(
            self,
            "event-rules",
            config,
            EventRulesProps(
                rules=PLATFORM_RULES,
                functions=functions.entry_points,
                dead_letter_queues=functions.dead_letter_queues,
            ),
        )
        self.monitoring = Monitoring(self, "monitoring", config, integration.functions.dead_letter_queues)
        TerraformOutput(self, "api_id", value=self.api.api.id)
        TerraformOutput(self, "api_invoke_url", value=invoke_url(self.api.api, config))
        TerraformOutput(self, "alarm_topic_arn", value=self.monitoring.topic.arn)
