"""Bootstrap: the per-environment bucket that holds the Terraform state of every other stack.

It cannot keep its own state in the bucket it creates, so this one stack uses local state, in
``.state/bootstrap-<env>.tfstate`` beside the synth output folder (see README, "State and locking").
"""

from __future__ import annotations

from cdktf import LocalBackend, TerraformOutput, TerraformStack
from constructs import Construct

from envs import BOOTSTRAP_LAYER, EnvConfig, stack_name
from modules.kms import EncryptionKey, EncryptionKeyProps
from modules.naming import bucket_arn
from modules.secure_bucket import AccessLogTarget, SecureBucket, SecureBucketProps, access_log_bucket
from stacks.base import REQUIRED_TERRAFORM_VERSION, add_aws_provider
from tools.stack_graph import STATE_BUCKET_OUTPUT

# Relative to the stack's folder (<outdir>/stacks/<stack>/), so the path is the same on every clone.
LOCAL_STATE_DIR = "../../../.state"


def bootstrap_stack_name(env_name: str) -> str:
    return stack_name(BOOTSTRAP_LAYER, env_name)


class BootstrapStack(TerraformStack):
    """Exposes ``state_bucket`` and ``state_key``."""

    def __init__(self, scope: Construct, config: EnvConfig) -> None:
        name = bootstrap_stack_name(config.name)
        super().__init__(scope, name)
        self.add_override("terraform.required_version", REQUIRED_TERRAFORM_VERSION)
        add_aws_provider(self, config, BOOTSTRAP_LAYER)
        LocalBackend(self, path=f"{LOCAL_STATE_DIR}/{name}.tfstate")
        self.state_key = EncryptionKey(
            self,
            "state-key",
            config,
            EncryptionKeyProps(purpose="tfstate", description=f"Encrypts the Terraform state of {config.name}"),
        )
        # Who read or wrote state, and when: server access logs of the state bucket.
        self.access_logs = access_log_bucket(
            self,
            "access-logs",
            config,
            bucket_name=f"{config.state_bucket}-logs",
            source_bucket_pattern=bucket_arn(config, config.state_bucket),
        )
        self.state_bucket = SecureBucket(
            self,
            "state-bucket",
            SecureBucketProps(
                bucket_name=config.state_bucket,
                kms_key=self.state_key.key,
                # Old state versions are the way back from a bad apply: keep them for 90 days.
                noncurrent_version_expiration_days=90,
                access_logs=AccessLogTarget(log_bucket=self.access_logs, prefix="state/"),
                force_destroy=config.storage.force_destroy,
                prevent_destroy=not config.storage.force_destroy,
                deny_insecure_transport=config.storage.deny_insecure_transport,
            ),
        )
        # The other stacks' backends need the bucket ready for state, not its lifecycle rules (which the
        # provider settles for ~55 s): `tools.deploy` starts them once what this output depends on exists.
        bucket = self.state_bucket
        output = TerraformOutput(self, STATE_BUCKET_OUTPUT, value=bucket.bucket.bucket)
        ready = [bucket.encryption, bucket.versioning, bucket.public_access_block, bucket.ownership, bucket.policy]
        # cdktf 0.21 writes an output's `depends_on` as "${...}" expressions, which Terraform refuses
        # ("A single static variable reference is required"): write the plain addresses instead.
        output.add_override("depends_on", [f"{r.terraform_resource_type}.{self.get_logical_id(r)}" for r in ready])
