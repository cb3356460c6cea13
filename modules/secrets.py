"""Secrets operators fill in after a deploy: today the public keys (JWKS JSON) the API's authorizer
verifies tokens with. Terraform creates the secret, encrypted and recoverable; its value never
passes through Terraform state."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from constructs import Construct

from envs import EnvConfig


def jwt_keys_name(config: EnvConfig) -> str:
    return f"{config.resource_name()}/api/jwt-verification-keys"


@dataclass(frozen=True)
class ApiSecretsProps:
    key: KmsKey  # encrypts the secrets (the security layer's secrets key)
    recovery_window_days: int = 30  # days a deleted secret can still be restored (AWS: 7-30)


class ApiSecrets(Construct):
    """Exposes ``jwt_keys``: the secret whose ARN the authorizer reads its JWKS from."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: ApiSecretsProps) -> None:
        super().__init__(scope, construct_id)
        self.jwt_keys = SecretsmanagerSecret(
            self,
            "jwt-secret",
            name=jwt_keys_name(config),
            description="Public keys (JWKS JSON) the API authorizer verifies tokens with; set by operators",
            kms_key_id=props.key.arn,
            recovery_window_in_days=props.recovery_window_days,
        )
        self.jwt_keys.move_from_id("aws_secretsmanager_secret.jwt-secret")  # in the security stack until 2026-11
