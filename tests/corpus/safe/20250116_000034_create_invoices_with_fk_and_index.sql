-- Migration: create_invoices_with_fk_and_index
-- Created: 2025-01-15
-- Description: New table, FK and index in one go

BEGIN;

CREATE TABLE IF NOT EXISTS invoices (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL,
    public_id UUID NOT NULL DEFAULT gen_random_uuid(),
    issued_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

ALTER TABLE invoices ADD CONSTRAINT invoices_order_fk FOREIGN KEY (order_id) REFERENCES orders(id);
ALTER TABLE invoices ADD COLUMN amount NUMERIC(12,2) NOT NULL;
CREATE UNIQUE INDEX idx_invoices_public_id ON invoices(public_id);

COMMIT;
