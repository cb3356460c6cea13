"""Connect layer: the Amazon Connect instance with its storage, queues, profiles and flows, and the
command center's metrics schedule (it needs the instance). Its own stack, reading the foundation
and integration layers; locally applied to the emulator's Amazon Connect
(``tools/emulator_plugins/connect.py``)."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from envs import EnvConfig
from modules.connect import ContactCenter, ContactCenterProps
from modules.event_bridge import EventRules, EventRulesProps, Rule
from modules.monitoring import ContactCenterMonitoring
from modules.naming import Function, Stream
from stacks.base import LayerStack
from stacks.foundation import FoundationStack
from stacks.integration import IntegrationStack
from stacks.layers import Layer

SNAPSHOT_SCHEDULE = "rate(1 minute)"


class ConnectStack(LayerStack):
    """Exposes ``contact_center``, ``schedules`` and ``monitoring`` (Connect's alarms, the dashboard)."""

    def __init__(
        self, scope: Construct, config: EnvConfig, foundation: FoundationStack, integration: IntegrationStack
    ) -> None:
        super().__init__(scope, Layer.CONNECT, config)
        storage, functions = foundation.storage, integration.functions
        streams = integration.streams.streams
        self.contact_center = ContactCenter(
            self,
            "contact-center",
            config,
            ContactCenterProps(
                functions=functions.entry_points,
                routing_role=functions.identities[Function.UTILITIES].role,
                metrics_reader=functions.identities[Function.COMMAND_CENTER].role,
                recordings=storage.recordings.bucket,
                screen_recordings=storage.screen_recordings.bucket,
                storage_key=storage.key.key,
                ctr_stream=streams[Stream.CTR],
                agent_events_stream=streams[Stream.AGENT_EVENTS],
            ),
        )
        instance = self.contact_center.instance
        self.schedules = EventRules(
            self,
            "schedules",
            config,
            EventRulesProps(
                rules=[
                    Rule(
                        "command-center-snapshot",
                        "Snapshots Connect's current queue metrics for the command center",
                        Function.COMMAND_CENTER,
                        schedule=SNAPSHOT_SCHEDULE,
                        input={"instanceId": instance.id},
                    )
                ],
                functions=functions.entry_points,
                dead_letter_queues=functions.dead_letter_queues,
            ),
        )
        self.monitoring = ContactCenterMonitoring(self, "monitoring", config, instance)
        TerraformOutput(self, "connect_instance_id", value=instance.id)
        TerraformOutput(self, "connect_instance_arn", value=instance.arn)
        TerraformOutput(self, "dashboard", value=self.monitoring.dashboard.dashboard_name)
