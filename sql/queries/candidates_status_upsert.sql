-- Mark items as fetched for their current evidence (registered frame new_status).
INSERT OR REPLACE INTO hc_item_status BY NAME SELECT * FROM new_status;
