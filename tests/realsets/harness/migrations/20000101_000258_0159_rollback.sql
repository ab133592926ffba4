ALTER TABLE repositories DROP repo_language;
DROP TABLE repo_languages;
