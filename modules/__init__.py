"""CDKTF constructs, one per stack of the architecture (vpc, s3, rds, dynamodb, iam, vpc_endpoints,
kinesis, lambda, api_gateway, connect, event_bridge). Layer stacks in ``stacks/`` compose them."""
