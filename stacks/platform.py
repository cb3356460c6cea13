"""The whole platform for one environment: the bootstrap stack and one stack per layer."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from envs import EnvConfig
from modules.lambda_packages import LambdaPackages
from stacks.account import AccountStack
from stacks.application import ApplicationStack
from stacks.base import LayerStack
from stacks.bootstrap import BootstrapStack
from stacks.connect import ConnectStack
from stacks.data import DataStack
from stacks.foundation import FoundationStack
from stacks.integration import IntegrationStack
from stacks.security import SecurityStack


@dataclass(frozen=True)
class EnvironmentStacks:
    """The stacks of one environment, in deployment order after ``bootstrap``; ``account`` only in
    the env that owns its account's settings (``api.manage_account_logging``)."""

    bootstrap: BootstrapStack
    account: AccountStack | None
    foundation: FoundationStack
    data: DataStack
    security: SecurityStack
    integration: IntegrationStack
    application: ApplicationStack
    connect: ConnectStack

    @property
    def layers(self) -> tuple[LayerStack, ...]:
        return (self.foundation, self.data, self.security, self.integration, self.application, self.connect)


def add_environment(scope: Construct, config: EnvConfig, packages: LambdaPackages) -> EnvironmentStacks:
    """Add every stack of ``config`` to ``scope`` (an App); ``packages`` are the built Lambda zips.

    A stack depends on exactly the stacks it reads from (cdktf adds one dependency per cross-stack
    reference), so independent layers can be applied side by side (``tools.deploy``)."""
    foundation = FoundationStack(scope, config)
    security = SecurityStack(scope, config, foundation)
    data = DataStack(scope, config, foundation, security)
    integration = IntegrationStack(scope, config, foundation, data, security, packages)
    account = AccountStack(scope, config) if config.api.manage_account_logging else None
    return EnvironmentStacks(
        bootstrap=BootstrapStack(scope, config),
        account=account,
        foundation=foundation,
        data=data,
        security=security,
        integration=integration,
        application=ApplicationStack(scope, config, security, integration, account),
        connect=ConnectStack(scope, config, foundation, integration),
    )
