-- Events keep the indexes something reads them by, no longer one on `created_at` in every day.
-- The daily summary was its only reader there: it counted one company's conversation, message
-- and escalation events of the last 24 hours by scanning every company's events of the window
-- (500,000 events of another company: 25-29 ms, a parallel scan of the day; it grows with the
-- whole installation's volume, per summary). It now reads an index of its own types alone,
-- company first (0.2 ms), and a publish of other types writes no entry for it: each event
-- inserted writes two index entries instead of three (1,000 events: 2,004 WAL records and
-- 389 KB, against 3,024 and 457 KB). The list below must be the one the summary's query names
-- (app/src/actions/daily_summary.rs, COUNTS), or the query cannot use the index.
-- The default partition keeps `created_at`: pruning deletes its legacy rows by it.

DROP INDEX events_created_idx;
CREATE INDEX events_default_created_idx ON events_default (created_at);
CREATE INDEX events_summarised_idx ON events (company_id, created_at)
    WHERE event_type IN ('conversation.created', 'conversation.closed', 'escalation.triggered',
                         'message.received', 'message.sent');
