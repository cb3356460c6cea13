"""The waits hashicorp/aws 5.100.0 always makes after creating a resource, however fast the API answers.

These are the floor of an apply against the emulator (and the least an apply against AWS costs):
moto answers every call at once, so what remains is the provider polling for "consistent" reads
on a fixed schedule. Each entry names the provider source that sets the schedule; the seconds are
what the schedule adds up to when every read already matches (checked against ``TF_LOG=trace``
runs of the 5.100.0 binary on moto, which log each "Waiting ... before next try").

``tools.deploy`` records how long every resource took; ``tools.bench`` sets those figures beside
this floor, per stack, so a regression in our own code shows as distance from the floor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PROVIDER = "hashicorp/aws 5.100.0"


@dataclass(frozen=True)
class FixedWait:
    """The least a create of one resource type waits, and where the provider decides it."""

    seconds: float
    source: str
    schedule: str


FIXED_WAITS: Mapping[str, FixedWait] = {
    "aws_db_instance": FixedWait(
        80,
        "internal/service/rds/instance.go waitDBInstanceAvailableSDKv2",
        "Delay 1 min, then 3 consecutive 'available' reads (ContinuousTargetOccurence 3) 10 s apart",
    ),
    "aws_s3_bucket_lifecycle_configuration": FixedWait(
        55,
        "internal/service/s3/bucket_lifecycle_configuration.go waitLifecycleRulesEquals",
        "10 s before the first read, then a read every 5 s until 10 reads in a row equal the rules sent",
    ),
    "aws_sqs_queue": FixedWait(
        25,
        "internal/service/sqs/wait.go waitQueueAttributesPropagated",
        "6 consecutive matching GetQueueAttributes reads (ContinuousTargetOccurence 6), MinTimeout 5 s",
    ),
    "aws_sqs_queue_policy": FixedWait(
        25,
        "internal/service/sqs/wait.go waitQueueAttributesPropagated (via queue_policy.go)",
        "6 consecutive matching GetQueueAttributes reads (ContinuousTargetOccurence 6), MinTimeout 5 s",
    ),
    "aws_kinesis_stream": FixedWait(
        30,
        "internal/service/kinesis/stream.go waitStreamCreated, waitStreamUpdated",
        "Delay 10 s before each status read: after CreateStream, IncreaseStreamRetentionPeriod and "
        "StartStreamEncryption",
    ),
    "aws_lambda_function": FixedWait(
        5,
        "internal/service/lambda/function.go waitFunctionCreated",
        "Delay 5 s before the first State read (and, for code from a local file, a provider-wide lock "
        "held through it: such functions are created one after another, which is why ours come from S3)",
    ),
    "aws_vpc": FixedWait(
        10,
        "internal/service/ec2/wait.go waitVPCAttributeUpdatedV2 (via vpc_.go, after ModifyVpcAttribute)",
        "Delay 10 s before the first read of the attribute set on create (DNS hostnames, which the "
        "interface endpoints' private DNS needs)",
    ),
    "aws_kms_key": FixedWait(
        12,
        "internal/service/kms/wait.go waitKeyPolicyPropagated, waitKeyRotationEnabledPropagated, waitTagsPropagated",
        "three waits, each for 5 consecutive matching reads 1 s apart (ContinuousTargetOccurence 5)",
    ),
}


def fixed_wait(resource_type: str) -> float:
    """Seconds the provider always waits after creating ``resource_type`` (0 when it does not)."""
    known = FIXED_WAITS.get(resource_type)
    return known.seconds if known else 0.0


# The waits of a database's loss and recovery (the DR drill, README "Runbook"): not a create, so
# not in FIXED_WAITS, but on the longest path of `make test` (the floors of the drill's steps,
# tests/emulator/dr_drill.py, which `make bench` prints).
DB_INSTANCE_DELETED = FixedWait(
    60,
    "internal/service/rds/instance.go waitDBInstanceDeleted",
    "Delay 1 min before the first read, done at the first read that finds no instance",
)
DB_INSTANCE_RESTORED = FixedWait(
    160,
    "internal/service/rds/instance.go resourceInstanceCreate (snapshot_identifier), waitDBInstanceAvailableSDKv2",
    "RestoreDBInstanceFromDBSnapshot, then ModifyDBInstance for what a restore cannot set (backup "
    "retention and window, maintenance window, managed master password, monitoring, Performance "
    "Insights), each followed by the 80 s wait of a created instance",
)
