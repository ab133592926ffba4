ALTER TABLE generic_blobs
ALTER COLUMN generic_blob_size TYPE INTEGER;