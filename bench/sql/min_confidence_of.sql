SELECT min(confidence) FROM matches WHERE list_contains(?, item_id);
