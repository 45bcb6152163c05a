INSERT INTO abs_audio_files BY NAME SELECT * FROM extract_audio_files
