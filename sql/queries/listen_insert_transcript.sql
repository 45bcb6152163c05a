INSERT INTO transcripts (item_id, file_ino, window_kind, window_start, seconds, model, text, extracted, cpu_seconds, source,
                         run_id, created_at, hinted)
VALUES ($item_id, $file_ino, $window_kind, $window_start, $seconds, $model, $text, $extracted, $cpu_seconds, $source,
        $run_id, $created_at, $hinted)
