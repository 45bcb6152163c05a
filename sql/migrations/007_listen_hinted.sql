-- Transcripts re-heard with the candidates' names as Whisper hotwords (the confirmation pass) are
-- kept next to the plain ones; `hinted` tells them apart.
ALTER TABLE transcripts ADD COLUMN IF NOT EXISTS hinted BOOLEAN DEFAULT false;
