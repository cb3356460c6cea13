"""The architecture's layers, in deployment order.

A layer may read from layers before it and never from layers after it, which keeps cross-stack
references acyclic and lets `cdktf deploy` apply the stacks of an environment in this order.
"""

from __future__ import annotations

from enum import StrEnum

from envs import stack_name


class Layer(StrEnum):
    FOUNDATION = "foundation"  # vpc, s3
    SECURITY = "security"  # iam, vpc_endpoints
    DATA = "data"  # rds, dynamodb, and the functions' grants on them (on the security layer's roles)
    INTEGRATION = "integration"  # kinesis, lambda
    APPLICATION = "application"  # api_gateway, event_bridge, monitoring
    CONNECT = "connect"  # connect (the instance, its flows and its metrics schedule)

    def stack_name(self, env_name: str) -> str:
        return stack_name(self.value, env_name)


LAYER_ORDER: tuple[Layer, ...] = tuple(Layer)
