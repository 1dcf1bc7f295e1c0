-- The company's time zone (an IANA name, e.g. Europe/Paris): daily summaries go out at the
-- hour the admin picks, there.
ALTER TABLE companies ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';

-- One row per connection and local day: the summary of that day was queued. The primary key
-- makes it once, whichever process gets there first, and after restarts.
CREATE TABLE daily_summaries (
    connection_id uuid NOT NULL,
    company_id    uuid NOT NULL,
    local_date    date NOT NULL,
    event_id      uuid NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connection_id, local_date),
    FOREIGN KEY (connection_id, company_id) REFERENCES connections (id, company_id) ON DELETE CASCADE
);
