alter table subgraphs.subgraph_manifest add column raw_yaml text;
