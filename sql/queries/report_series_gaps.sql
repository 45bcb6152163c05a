-- Series the library owns part of, with the positions it is missing (the report's table).
SELECT series_name, owned, missing, missing_positions
FROM series_gaps
