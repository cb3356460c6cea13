"""How contacts reach agents in the Amazon Connect instance: hours, queues, routing profiles and
quick connects, all from ``[connect]`` (one data change adds a queue, a profile or a transfer target).

- Hours: ``business-hours`` from ``[connect.hours]`` and every set of ``[connect.hours_sets]``.
- Queues (``[[connect.queues]]``): each follows its hours set, with its capacity
  (``max_contacts``), outbound caller name and number, and the quick connects its agents see.
- Routing profiles (``[[connect.routing_profiles]]``): per-channel concurrency and, per queue,
  priority and delay, for every channel the profile serves.
- Quick connects (``[[connect.quick_connects]]``): to a queue through the queue-transfer flow, or to
  a phone number. They need that flow, which needs the queues, so they are added after the flows
  (``add_quick_connects``) and then listed on their queues.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.connect_contact_flow import ConnectContactFlow
from cdktf_cdktf_provider_aws.connect_hours_of_operation import (
    ConnectHoursOfOperation,
    ConnectHoursOfOperationConfigA,
    ConnectHoursOfOperationConfigEndTime,
    ConnectHoursOfOperationConfigStartTime,
)
from cdktf_cdktf_provider_aws.connect_instance import ConnectInstance
from cdktf_cdktf_provider_aws.connect_phone_number import ConnectPhoneNumber
from cdktf_cdktf_provider_aws.connect_queue import ConnectQueue, ConnectQueueOutboundCallerConfig
from cdktf_cdktf_provider_aws.connect_quick_connect import (
    ConnectQuickConnect,
    ConnectQuickConnectQuickConnectConfig,
    ConnectQuickConnectQuickConnectConfigPhoneConfig,
    ConnectQuickConnectQuickConnectConfigQueueConfig,
)
from cdktf_cdktf_provider_aws.connect_routing_profile import (
    ConnectRoutingProfile,
    ConnectRoutingProfileMediaConcurrencies,
    ConnectRoutingProfileQueueConfigs,
)
from constructs import Construct

from envs import EnvConfig
from envs.schema import HoursConfig, QueueConfig, RoutingProfileConfig


@dataclass(frozen=True)
class RoutingProps:
    instance: ConnectInstance  # the instance everything here belongs to
    phone_numbers: Mapping[str, ConnectPhoneNumber]  # by config name: queues' outbound caller numbers


class Routing(Construct):
    """Exposes ``hours`` (set name -> hours), ``queues`` (name -> queue), ``routing_profiles`` (name ->
    profile) and, after ``add_quick_connects``, ``quick_connects`` (name -> quick connect)."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: RoutingProps) -> None:
        super().__init__(scope, construct_id)
        self._config, self._props = config, props
        connect = config.connect
        self.hours = {name: self._hours(name, hours) for name, hours in connect.all_hours.items()}
        self.queues = {queue.name: self._queue(queue) for queue in connect.queues}
        self.routing_profiles = {profile.name: self._profile(profile) for profile in connect.routing_profiles}
        self.quick_connects: dict[str, ConnectQuickConnect] = {}

    def _hours(self, name: str, hours: HoursConfig) -> ConnectHoursOfOperation:
        opens, closes = (tuple(int(part) for part in clock.split(":")) for clock in (hours.opens, hours.closes))
        return ConnectHoursOfOperation(
            self,
            name,
            instance_id=self._props.instance.id,
            name=name,
            description=f"{', '.join(day.title() for day in hours.days)}, {hours.opens}-{hours.closes}",
            time_zone=self._config.connect.time_zone,
            config=[
                ConnectHoursOfOperationConfigA(
                    day=day,
                    start_time=ConnectHoursOfOperationConfigStartTime(hours=opens[0], minutes=opens[1]),
                    end_time=ConnectHoursOfOperationConfigEndTime(hours=closes[0], minutes=closes[1]),
                )
                for day in hours.days
            ],
        )

    def _queue(self, queue: QueueConfig) -> ConnectQueue:
        caller = None
        if queue.outbound_number is not None:
            caller = ConnectQueueOutboundCallerConfig(
                outbound_caller_id_name=queue.outbound_caller_name,
                outbound_caller_id_number_id=self._props.phone_numbers[queue.outbound_number].id,
            )
        return ConnectQueue(
            self,
            f"queue-{queue.name}",
            instance_id=self._props.instance.id,
            name=queue.name,
            description=queue.description or f"{queue.name} queue ({self._config.name})",
            hours_of_operation_id=self.hours[queue.hours].hours_of_operation_id,
            max_contacts=queue.max_contacts,
            outbound_caller_config=caller,
        )

    def _profile(self, profile: RoutingProfileConfig) -> ConnectRoutingProfile:
        served = self._config.connect.profile_queues(profile)
        outbound = profile.outbound_queue or served[0].queue
        return ConnectRoutingProfile(
            self,
            f"routing-profile-{profile.name}",
            instance_id=self._props.instance.id,
            name=profile.name,
            description=profile.description,
            default_outbound_queue_id=self.queues[outbound].queue_id,
            media_concurrencies=[
                ConnectRoutingProfileMediaConcurrencies(channel=channel, concurrency=count)
                for channel, count in profile.channels.items()
            ],
            queue_configs=[
                ConnectRoutingProfileQueueConfigs(
                    channel=channel,
                    delay=entry.delay_seconds,
                    priority=entry.priority,
                    queue_id=self.queues[entry.queue].queue_id,
                )
                for entry in served
                for channel in profile.channels
            ],
        )

    def add_quick_connects(self, queue_transfer: ConnectContactFlow) -> None:
        """The quick connects of ``[connect]``, each listed on the queues that name it."""
        for quick in self._config.connect.quick_connects:
            queue_config = phone_config = None
            if quick.queue is not None:
                kind = "QUEUE"
                queue_config = ConnectQuickConnectQuickConnectConfigQueueConfig(
                    contact_flow_id=queue_transfer.contact_flow_id, queue_id=self.queues[quick.queue].queue_id
                )
            else:
                kind = "PHONE_NUMBER"
                phone_config = ConnectQuickConnectQuickConnectConfigPhoneConfig(phone_number=str(quick.phone_number))
            self.quick_connects[quick.name] = ConnectQuickConnect(
                self,
                f"quick-connect-{quick.name}",
                instance_id=self._props.instance.id,
                name=quick.name,
                description=quick.description or f"Transfer to {quick.queue or 'an outside number'}",
                quick_connect_config=ConnectQuickConnectQuickConnectConfig(
                    quick_connect_type=kind,
                    queue_config=[queue_config] if queue_config else None,
                    phone_config=[phone_config] if phone_config else None,
                ),
            )
        for queue in self._config.connect.queues:
            if queue.quick_connects:
                self.queues[queue.name].quick_connect_ids = [
                    self.quick_connects[name].quick_connect_id for name in queue.quick_connects
                ]
