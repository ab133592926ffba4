ALTER TABLE infra_provider_resources ADD COLUMN ipreso_gateway_host TEXT;
ALTER TABLE infra_provider_resources ADD COLUMN ipreso_gateway_port TEXT;