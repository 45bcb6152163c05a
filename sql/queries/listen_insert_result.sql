INSERT OR REPLACE INTO listen_results (item_id, run_id, verdict, book_id, complete, windows, audio_seconds, cpu_seconds,
                                       bytes_read, source, credits, scores, searched, listened_at)
VALUES ($item_id, $run_id, $verdict, $book_id, $complete, $windows, $audio_seconds, $cpu_seconds,
        $bytes_read, $source, $credits, $scores, $searched, $listened_at)
