-- migration_guard update script: 1.1 -> 1.2
--
-- Assembled by the Makefile from the fragments in updates/1.1--1.2/, in
-- name order, so that each feature keeps its own step.  Together they must
-- leave the extension with exactly the objects of a fresh 1.2 install
-- (test/integration/core_upgrade.sh compares them).

\echo Use "ALTER EXTENSION migration_guard UPDATE TO '1.2'" to load this file. \quit

