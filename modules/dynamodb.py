"""DynamoDB stack of the architecture: the queue-experience table.

Key design (one table, generic key names so that new item types need no migration):

====================  =========================  =============================  ==========================
item                  pk / sk                    gsi1pk / gsi1sk (by-contact)   gsi2pk / gsi2sk (by-status)
====================  =========================  =============================  ==========================
queue experience      QUEUE#<queueId> / CONFIG   -                              -
queue event           QUEUE#<queueId> /          CONTACT#<contactId> / <ts>     -
                      EVENT#<ts>#<contactId>
callback request      QUEUE#<queueId> /          CONTACT#<contactId> / <ts>     CALLBACK#<status> / <due ts>
                      CALLBACK#<ts>#<contactId>
====================  =========================  =============================  ==========================

- The queue experience function (called from contact flows) does one ``GetItem`` on
  ``QUEUE#<id>/CONFIG``; the core API edits the same item (``/v1/queues/{queueId}/experience``).
- The core API lists a queue's recent events and callbacks with one ``Query`` on ``pk`` and a
  ``begins_with(sk, ...)``; a contact's history (``/v1/contacts/{contactId}``) is one ``Query``
  on the ``by-contact`` index; pending callbacks due next (``/v1/callbacks``) are one ``Query`` on
  ``by-status`` with ``gsi2sk <= now``.
- Events and callbacks carry ``expires_at`` (epoch seconds), the TTL attribute, so the table
  does not grow without bound; queue configuration items have none and never expire.

On-demand billing (architecture), point-in-time recovery, SSE with the data layer's key, and
deletion protection + ``prevent_destroy`` from ``[dynamodb]`` in the env file.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTableGlobalSecondaryIndex,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
    DynamodbTableTtl,
)
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from envs import EnvConfig

PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"


@dataclass(frozen=True)
class SecondaryIndex:
    """A global secondary index projecting all attributes (items are small; reads need all of them)."""

    name: str
    partition_key: str
    sort_key: str


INDEXES = (
    SecondaryIndex(name="by-contact", partition_key="gsi1pk", sort_key="gsi1sk"),
    SecondaryIndex(name="by-status", partition_key="gsi2pk", sort_key="gsi2sk"),
)


@dataclass(frozen=True)
class QueueExperienceTableProps:
    key: KmsKey  # encrypts the table and its backups (the data layer's key)


def table_name(config: EnvConfig) -> str:
    return config.resource_name("queue-experience")


class QueueExperienceTable(Construct):
    """Exposes ``table`` (``table.name``, ``table.arn``)."""

    def __init__(
        self, scope: Construct, construct_id: str, config: EnvConfig, props: QueueExperienceTableProps
    ) -> None:
        super().__init__(scope, construct_id)
        settings = config.dynamodb
        key_attributes = [PARTITION_KEY, SORT_KEY, *(a for i in INDEXES for a in (i.partition_key, i.sort_key))]
        self.table = DynamodbTable(
            self,
            "table",
            name=table_name(config),
            billing_mode="PAY_PER_REQUEST",
            hash_key=PARTITION_KEY,
            range_key=SORT_KEY,
            attribute=[DynamodbTableAttribute(name=name, type="S") for name in key_attributes],
            global_secondary_index=[
                DynamodbTableGlobalSecondaryIndex(
                    name=index.name,
                    hash_key=index.partition_key,
                    range_key=index.sort_key,
                    projection_type="ALL",
                )
                for index in INDEXES
            ],
            ttl=DynamodbTableTtl(attribute_name=TTL_ATTRIBUTE, enabled=True),
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=settings.point_in_time_recovery),
            server_side_encryption=DynamodbTableServerSideEncryption(enabled=True, kms_key_arn=props.key.arn),
            deletion_protection_enabled=settings.deletion_protection,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=settings.deletion_protection),
            tags={"Name": table_name(config)},
        )
