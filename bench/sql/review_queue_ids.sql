SELECT item_id FROM match_review_queue;
