-- A destination's own retry policy ({max_retries, retry_delay_secs, backoff_strategy});
-- NULL retries on the installation's schedule.
ALTER TABLE webhook_endpoints ADD COLUMN retry_policy jsonb;
ALTER TABLE connections ADD COLUMN retry_policy jsonb;
