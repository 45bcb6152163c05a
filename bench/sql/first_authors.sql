SELECT DISTINCT authors[1] FROM abs_items WHERE len(authors) > 0 LIMIT ?;
