
DROP TABLE build_pipes;

DROP TABLE next_build_pipes;

