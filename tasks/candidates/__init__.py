"""Candidate books from Hardcover for each item, cheapest strategy first.

Requests per item is the measure (Hardcover bills each root field; 5,000 a day on the Free plan):
1. identifiers — every item's ASIN / ISBN-10 / ISBN-13 (both ISBN forms) in `_in` lists of ~100
   values per root field, five root fields per request; hits come back with the whole book;
2. author books — every book of ~100 exact author names per root field (name variants included),
   then titles matched locally; again whole books, so no hydration;
3. titles — every book whose title is exactly one of ~100 item titles (a couple of spellings each) per
   root field, for the items still without a strong candidate: whole books again;
4. search — one title-only `search` per item still without a strong candidate, re-ranked locally
   by title, author, series and duration;
5. hydration — the search picks not yet in `hc_books`, 100 ids per root field, five per request.

Items are finished together at the end of a run (candidates + `hc_item_status`), so a run stopped
by the daily cap rebuilds exactly the same batches next time and gets them all from the cache.

The modules, in the order a run uses them: `items` (each item's evidence, as one query), `titles`
(names and titles in the spellings a catalogue files them under, and how close two titles are),
`state` (what a run knows and how its requests are packed), `strategies` (the four lookups and the
hydration), `store` (the `hc_*` and `candidates` rows), `fetch` (the whole run, and the one-item search
the listen flow makes).
"""
