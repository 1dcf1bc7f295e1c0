-- A delivery's company is already held by its event's foreign key (event_id, company_id) ->
-- events (id, company_id), and events -> companies cascades, so deleting a company still
-- deletes its deliveries. The direct key cost one more lookup and a KEY SHARE lock on the
-- company's row for every delivery queued (a third of the deliveries insert's key checks).
ALTER TABLE deliveries DROP CONSTRAINT webhook_deliveries_company_id_fkey;
