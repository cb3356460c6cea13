-- Queues, agents, contacts and voicemails: the relational side of the platform.
-- Queue experience, callbacks and queue events live in DynamoDB (see modules/dynamodb.py).

CREATE TABLE queues (
    queue_id          text PRIMARY KEY CHECK (queue_id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name              text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 127),
    description       text NOT NULL DEFAULT '',
    connect_queue_arn text UNIQUE,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agents (
    agent_id      text PRIMARY KEY,
    agent_arn     text NOT NULL UNIQUE,
    username      text,
    last_contact_at timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per contact; post_call upserts it from contact trace records, newest LastUpdateTimestamp wins.
CREATE TABLE contacts (
    contact_id        text PRIMARY KEY,
    channel           text NOT NULL,
    initiation_method text NOT NULL,
    queue_arn         text,
    queue_name        text,
    agent_arn         text,
    customer_endpoint text,
    initiated_at      timestamptz NOT NULL,
    disconnected_at   timestamptz,
    last_update_at    timestamptz NOT NULL,
    attributes        jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_by_queue ON contacts (queue_arn, initiated_at DESC, contact_id);
CREATE INDEX contacts_by_disconnect ON contacts (disconnected_at);

CREATE TABLE voicemails (
    voicemail_id     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    bucket           text NOT NULL,
    object_key       text NOT NULL,
    version_id       text,
    contact_id       text,
    queue_id         text,
    caller           text,
    duration_seconds integer CHECK (duration_seconds >= 0),
    received_at      timestamptz NOT NULL,
    UNIQUE (bucket, object_key)
);
CREATE INDEX voicemails_by_received ON voicemails (received_at);
