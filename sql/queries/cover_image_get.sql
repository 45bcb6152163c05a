-- The bytes and type of a kept image.
SELECT bytes, ext FROM cover_images WHERE sha256 = ?
