INSERT INTO abs_items BY NAME SELECT * FROM extract_items
