-- migration_guard update script: 1.0 -> 1.1
--
-- Assembled by the Makefile from the fragments in updates/1.0--1.1/, in
-- name order, so that each feature keeps its own step.  Together they must
-- leave the extension with exactly the objects of a fresh 1.1 install
-- (test/integration/core_upgrade.sh compares them).

\echo Use "ALTER EXTENSION migration_guard UPDATE TO '1.1'" to load this file. \quit
