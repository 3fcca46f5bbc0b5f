/** The schema every integration test can rely on. Tests that write use their own tables. */
export const TEST_SCHEMA_SQL = `
CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, qty int NOT NULL DEFAULT 0);
INSERT INTO items (name, qty) SELECT 'item ' || i, i FROM generate_series(1, 100) i;
CREATE TABLE audit_me (id serial PRIMARY KEY, note text);
CREATE ROLE airlock_ro NOLOGIN;
GRANT USAGE ON SCHEMA public TO airlock_ro;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO airlock_ro;
GRANT airlock_ro TO CURRENT_USER;
GRANT CONNECT ON DATABASE airlock_test TO airlock_md5, airlock_trust;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO airlock_md5, airlock_trust;
`;
