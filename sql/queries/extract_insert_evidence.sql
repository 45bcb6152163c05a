INSERT INTO item_evidence BY NAME SELECT * FROM extract_evidence
