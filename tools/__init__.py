"""Project tooling: Terraform runner, emulator lifecycle, jsii process settings, local deploy."""
