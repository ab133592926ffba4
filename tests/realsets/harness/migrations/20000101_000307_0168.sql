CREATE INDEX IF NOT EXISTS idx_images_registry_id_name ON images (image_registry_id, image_name);
