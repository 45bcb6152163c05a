SELECT DISTINCT series[1].name FROM abs_items WHERE len(series) > 0 LIMIT ?;
