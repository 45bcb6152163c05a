-- The image a catalogue URL served before, if any.
SELECT sha256 FROM cover_sources WHERE url = ?
