INSERT INTO abs_files BY NAME SELECT * FROM extract_files
