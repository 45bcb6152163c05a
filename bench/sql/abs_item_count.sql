SELECT count(*) FROM abs_items;
