-- Which fields a person chose to write with a decision (the review page's checkbox per field).
-- One row per field the page offered; `write` false means "leave this field alone in ABS". A choice
-- belongs to one decision (review_decisions.seq): only the item's latest decision's choices count, so a
-- new decision (from the page, the prompt or `approve`) starts from the field policies again.
CREATE TABLE IF NOT EXISTS review_field_choices (
    decision_seq  BIGINT NOT NULL,          -- review_decisions.seq
    item_id       VARCHAR NOT NULL,
    field         VARCHAR NOT NULL,         -- a writeback field: title, subtitle, authors, narrators, ...
    write         BOOLEAN NOT NULL,
    PRIMARY KEY (decision_seq, field)
);
CREATE INDEX IF NOT EXISTS review_field_choices_item ON review_field_choices(item_id);
