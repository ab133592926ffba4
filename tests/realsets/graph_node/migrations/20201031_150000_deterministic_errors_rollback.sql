ALTER TABLE subgraphs.subgraph_error DROP COLUMN deterministic;
