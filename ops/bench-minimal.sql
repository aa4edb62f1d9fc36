-- The minimal durable insert of this machine (ops/bench intake's second baseline): one
-- transaction of three single-row inserts into three small tables, committed with the
-- database's own durability (synchronous_commit as configured). What the intake could reach if
-- its write cost nothing but a commit.
\set n random(1, 2000000000)
BEGIN;
INSERT INTO bench_minimal_a (n, v) VALUES (:n, 'a');
INSERT INTO bench_minimal_b (n, v) VALUES (:n, 'b');
INSERT INTO bench_minimal_c (n, v) VALUES (:n, 'c');
COMMIT;
