CREATE TABLE "keto_namespace" (
"id" SERIAL NOT NULL,
PRIMARY KEY("id"),
"schema_version" int NOT NULL
);