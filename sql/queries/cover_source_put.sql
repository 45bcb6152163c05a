-- Which image a catalogue URL served.
INSERT OR REPLACE INTO cover_sources (url, sha256, fetched_at) VALUES (?, ?, ?)
