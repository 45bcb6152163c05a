SELECT count(*) FROM errors WHERE flow = ?;
