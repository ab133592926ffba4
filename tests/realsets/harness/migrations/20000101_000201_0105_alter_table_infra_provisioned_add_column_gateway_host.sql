ALTER TABLE infra_provisioned
ADD COLUMN iprov_gateway_host TEXT NOT NULL DEFAULT '';
