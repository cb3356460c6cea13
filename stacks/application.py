"""Application layer: what operators and callers touch. Monitoring today; the private API, Amazon
Connect and the EventBridge schedules join with the application work."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from envs import EnvConfig
from modules.monitoring import Monitoring
from stacks.base import LayerStack
from stacks.layers import Layer


class ApplicationStack(LayerStack):
    """Exposes ``monitoring``."""

    def __init__(self, scope: Construct, config: EnvConfig) -> None:
        super().__init__(scope, Layer.APPLICATION, config)
        self.monitoring = Monitoring(self, "monitoring", config)
        TerraformOutput(self, "alarm_topic_arn", value=self.monitoring.topic.arn)
        TerraformOutput(self, "dashboard", value=self.monitoring.dashboard.dashboard_name)
