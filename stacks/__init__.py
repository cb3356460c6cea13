"""Terraform stacks: one per architecture layer per environment, composed from ``modules/`` constructs."""
