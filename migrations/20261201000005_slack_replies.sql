-- Replies from Slack: the notifications Slack accepted for connections that allow agents to
-- reply from Slack, so that a threaded reply (channel + thread_ts) finds its conversation.
CREATE TABLE slack_threads (
    connection_id   uuid NOT NULL,
    company_id      uuid NOT NULL,
    channel_id      text NOT NULL,
    ts              text NOT NULL,
    conversation_id text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel_id, ts, connection_id),
    FOREIGN KEY (connection_id, company_id) REFERENCES connections (id, company_id) ON DELETE CASCADE
);
CREATE INDEX slack_threads_connection_idx ON slack_threads (connection_id);
CREATE INDEX slack_threads_created_idx ON slack_threads (created_at);
