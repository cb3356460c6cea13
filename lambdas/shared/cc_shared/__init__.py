"""Code every contact-center function shares, shipped once as the Lambda layer.

- ``settings``: environment variables, read with a clear error when one is missing.
- ``db``: the PostgreSQL connection (psycopg 3), reused across invocations, credentials from
  the RDS-managed secret.
- ``migrations``: the versioned schema in ``migrations/*.sql`` and the idempotent runner.
- ``models``: the records that cross function boundaries (API bodies, CTRs, platform events).
- ``keys``: the queue-experience table's key design (see modules/dynamodb.py).
"""
