-- Keep an image by content (a second copy of the same bytes is the same row).
INSERT OR IGNORE INTO cover_images (sha256, ext, size, bytes, stored_at) VALUES (?, ?, ?, ?, ?)
