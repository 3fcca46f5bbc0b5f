import { loadModule, parseSync, normalizeSync } from 'libpg-query';
await loadModule();
const qs = [
"SET search_path = foo, 'bar'", "SET ROLE admin", "SET role = 'a'", "SET SESSION AUTHORIZATION bob", "RESET ALL", "SET LOCAL statement_timeout = 5",
"EXPLAIN (ANALYZE true, FORMAT JSON) DELETE FROM t", "EXPLAIN (ANALYZE off) DELETE FROM t", "EXPLAIN ANALYZE DELETE FROM t",
"COPY t FROM PROGRAM 'curl x'", "COPY t TO '/tmp/x'", "COPY t FROM STDIN (FORMAT csv)", "DO $$ BEGIN END $$", "DO $x$ DROP TABLE t $x$ LANGUAGE plpgsql",
"SELECT true, false, null, 1.5, B'101', X'ff', E'a\\'b', interval '1 day', int '5'", "SELECT $1, 2", "SELECT 1 FROM t LIMIT 5 OFFSET 2",
"CREATE TABLE t (a varchar(10) DEFAULT 'x', b numeric(5,2))", "FETCH 5 FROM c", "NOTIFY chan, 'payload'", "LISTEN chan",
"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql", "PREPARE TRANSACTION 'gid'", "COMMENT ON TABLE t IS 'x'",
"ALTER ROLE bob PASSWORD 'x'", "SELECT set_config('role','admin',false)", "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY", "LOAD 'x'",
"SELECT 1 /* c */ -- x\n", "select   1", "VACUUM (FULL true) t", "SELECT 'a' 'b'", "SELECT U&'d\\0061t'", "SELECT -1, +2", "SELECT 1;;SELECT 2;",
"ALTER TABLE t ALTER COLUMN a TYPE varchar(20)", "SELECT a::numeric(10,2) FROM t", "CREATE SEQUENCE s START 5 INCREMENT 2", "SELECT * FROM t TABLESAMPLE SYSTEM (10) REPEATABLE (5)",
"SET TIME ZONE 'UTC'", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SET x TO DEFAULT", "SHOW ALL", "DEALLOCATE ALL", "DEALLOCATE PREPARE p", "EXECUTE p(1, 'a')",
"SELECT * FROM t WHERE x = ANY('{1,2}'::int[])", "CREATE TABLE t (a int) WITH (fillfactor = 70)", "GRANT SELECT ON t TO bob", "SELECT 1e5, 0x1F, 1_000",
"SET search_path TO DEFAULT", "SELECT 1 AS \"x\"", "SELECT 'x' COLLATE \"C\"",
];
for (const q of qs) { try { console.log(JSON.stringify(q), '=>', JSON.stringify(normalizeSync(q))); } catch (e) { console.log(JSON.stringify(q), 'ERR', e.message); } }
