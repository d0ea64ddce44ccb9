-- The newest version of each document an accumulating feed (ODF) has sent, so that after a
-- restart the feed's snapshot still holds what was sent before it (medalbot.feeds.odf.documents).
-- Portable between SQLite (>= 3.35) and PostgreSQL, with the conventions of 0001_initial.sql.

CREATE TABLE feed_documents (
    feed TEXT NOT NULL,  -- the [[feeds]] name
    document_key TEXT NOT NULL,  -- DocumentCode|DocumentType|DocumentSubcode
    version INTEGER NOT NULL,  -- the highest version seen; a lower one never replaces it
    body TEXT NOT NULL,  -- the XML of that version's message
    -- The document's place in arrival order (of its first version): units are assembled in
    -- arrival order, so the reload must re-read documents in it.
    position BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (feed, document_key)
);
