/*-------------------------------------------------------------------------
 *
 * rules_list.h
 *	  The list of rules: the one place a rule is declared.
 *
 *	  Each line is MG_RULE(id, name, family, default severity, size exempt,
 *	  summary).  The includer defines MG_RULE to pick what it needs:
 *	  rules.h makes the MGRuleId enum (MG_RULE_<id>), rules.c the registry
 *	  mg_rules[].  In the style of PostgreSQL's src/include/parser/kwlist.h.
 *
 *	  - id: the enum's suffix; internal, the order of this list.
 *	  - name: the rule's stable snake_case name: the interface (GUC values,
 *	    directive comments, docs/rules/<name>.md, migration_guard.rules()).
 *	    Never renamed once released.
 *	  - family: an MGFamily suffix; it gives the SQLSTATE and docs section.
 *	  - default severity: ENFORCE, WARN or OFF (an MGSeverity suffix).
 *	  - size exempt: true for build, scan and rewrite rules, which are quiet
 *	    on new and small tables (applies.c).
 *	  - summary: one line, starting lower case unless it starts with SQL;
 *	    the row of docs/rules/README.md.
 *
 *	  A new rule is one line here, a page docs/rules/<name>.md, the check
 *	  that calls mg_report() and its tests.  mg_rules_verify() (rules.c)
 *	  checks the list when the library loads.
 *
 *	  There is deliberately no include guard: the file is included once per
 *	  expansion of MG_RULE.
 *
 * IDENTIFICATION
 *	  src/rules_list.h
 *
 *-------------------------------------------------------------------------
 */

/* there is deliberately not an #ifndef RULES_LIST_H here */

/* blocking builds and scans */
MG_RULE(CREATE_INDEX, "create_index", BLOCKING, ENFORCE, true, "CREATE INDEX without CONCURRENTLY blocks writes for the whole build")
MG_RULE(DROP_INDEX, "drop_index", BLOCKING, ENFORCE, true, "DROP INDEX without CONCURRENTLY waits for and blocks all use of the table")
MG_RULE(REINDEX, "reindex", BLOCKING, ENFORCE, true, "REINDEX without CONCURRENTLY blocks writes, and reads through the index")
MG_RULE(INVALID_INDEX, "invalid_index", BLOCKING, ENFORCE, false, "CREATE INDEX IF NOT EXISTS would keep an INVALID index of that name")
MG_RULE(DETACH_PARTITION, "detach_partition", BLOCKING, ENFORCE, true, "DETACH PARTITION without CONCURRENTLY locks the parent table")
MG_RULE(ATTACH_PARTITION, "attach_partition", BLOCKING, ENFORCE, true, "ATTACH PARTITION scans the partition under lock unless a CHECK proves its bound")
MG_RULE(REFRESH_MATVIEW, "refresh_matview", BLOCKING, ENFORCE, true, "REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks readers of the view")
MG_RULE(VACUUM_FULL, "vacuum_full", BLOCKING, ENFORCE, true, "VACUUM FULL rewrites the table under ACCESS EXCLUSIVE")
MG_RULE(CLUSTER, "cluster", BLOCKING, ENFORCE, true, "CLUSTER rewrites the table under ACCESS EXCLUSIVE")
MG_RULE(TRUNCATE, "truncate", BLOCKING, ENFORCE, false, "TRUNCATE takes ACCESS EXCLUSIVE and, with CASCADE, empties other tables")
MG_RULE(SET_TABLESPACE, "set_tablespace", BLOCKING, ENFORCE, true, "SET TABLESPACE copies the table under ACCESS EXCLUSIVE")
MG_RULE(UNBATCHED_DATA_CHANGE, "unbatched_data_change", BLOCKING, ENFORCE, false, "an UPDATE or DELETE of many rows in one statement of a migration; backfill in batches")

/* rewrites and validations under strong locks */
MG_RULE(ALTER_COLUMN_TYPE, "alter_column_type", REWRITE, ENFORCE, true, "ALTER COLUMN TYPE that rewrites the table or rebuilds its indexes")
MG_RULE(ADD_COLUMN_VOLATILE_DEFAULT, "add_column_volatile_default", REWRITE, ENFORCE, true, "ADD COLUMN with a volatile default, stored generated column, identity or serial rewrites the table")
MG_RULE(SET_NOT_NULL, "set_not_null", REWRITE, ENFORCE, true, "SET NOT NULL scans the table under ACCESS EXCLUSIVE")
MG_RULE(ADD_FOREIGN_KEY, "add_foreign_key", REWRITE, ENFORCE, true, "ADD FOREIGN KEY without NOT VALID scans the table while blocking writes on both tables")
MG_RULE(ADD_CHECK_CONSTRAINT, "add_check_constraint", REWRITE, ENFORCE, true, "ADD CHECK without NOT VALID scans the table under ACCESS EXCLUSIVE")
MG_RULE(VALIDATE_SAME_TRANSACTION, "validate_same_transaction", REWRITE, ENFORCE, true, "VALIDATE CONSTRAINT in the transaction that added it keeps the strong lock during the scan")
MG_RULE(ADD_UNIQUE_CONSTRAINT, "add_unique_constraint", REWRITE, ENFORCE, true, "ADD UNIQUE without USING INDEX builds the index under ACCESS EXCLUSIVE")
MG_RULE(ADD_PRIMARY_KEY, "add_primary_key", REWRITE, ENFORCE, true, "ADD PRIMARY KEY without USING INDEX builds the index under ACCESS EXCLUSIVE")
MG_RULE(ADD_EXCLUSION_CONSTRAINT, "add_exclusion_constraint", REWRITE, ENFORCE, true, "ADD EXCLUDE builds its index under ACCESS EXCLUSIVE")
MG_RULE(SET_LOGGED, "set_logged", REWRITE, ENFORCE, true, "SET LOGGED or SET UNLOGGED rewrites the table")
MG_RULE(ALTER_DOMAIN_ADD_CONSTRAINT, "alter_domain_add_constraint", REWRITE, ENFORCE, false, "ALTER DOMAIN ADD CONSTRAINT validates every column of that domain")
MG_RULE(FOREIGN_KEY_WITHOUT_INDEX, "foreign_key_without_index", REWRITE, WARN, false, "a foreign key whose referencing columns have no index")

/* breaking running code */
MG_RULE(RENAME_COLUMN, "rename_column", BREAKING, ENFORCE, false, "RENAME COLUMN breaks queries of the running release")
MG_RULE(RENAME_TABLE, "rename_table", BREAKING, ENFORCE, false, "renaming a table, view or schema breaks queries of the running release")
MG_RULE(ADD_COLUMN_REQUIRED, "add_column_required", BREAKING, ENFORCE, false, "ADD COLUMN NOT NULL without a default breaks INSERTs of the running release")
MG_RULE(DROP_COLUMN, "drop_column", BREAKING, ENFORCE, false, "DROP COLUMN of a column that something still references")
MG_RULE(DROP_TABLE, "drop_table", BREAKING, ENFORCE, false, "DROP TABLE of a table that something still references")
MG_RULE(DROP_CASCADE, "drop_cascade", BREAKING, ENFORCE, false, "DROP ... CASCADE of a type, domain, function or other object, DROP OWNED or ALTER TYPE ... CASCADE destroys tables, columns or views")
MG_RULE(DROP_SCHEMA, "drop_schema", BREAKING, ENFORCE, false, "DROP SCHEMA ... CASCADE destroys every table and view in the schema")
MG_RULE(DROP_DATABASE, "drop_database", BREAKING, ENFORCE, false, "DROP DATABASE destroys every table in the database")
MG_RULE(RENAME_ENUM_VALUE, "rename_enum_value", BREAKING, ENFORCE, false, "ALTER TYPE ... RENAME VALUE breaks queries and INSERTs of the running release")
MG_RULE(DROP_DEFAULT_REQUIRED, "drop_default_required", BREAKING, ENFORCE, false, "DROP DEFAULT, DROP IDENTITY or DROP EXPRESSION of a NOT NULL column breaks INSERTs that omit it")

/* schema design */
MG_RULE(PREFER_BIGINT, "prefer_bigint", DESIGN, WARN, false, "integer and smallint keys run out; use bigint")
MG_RULE(PREFER_IDENTITY, "prefer_identity", DESIGN, WARN, false, "serial columns; use GENERATED ... AS IDENTITY")
MG_RULE(PREFER_TEXT, "prefer_text", DESIGN, WARN, false, "varchar(n) columns; use text with a CHECK on the length")
MG_RULE(PREFER_TIMESTAMPTZ, "prefer_timestamptz", DESIGN, WARN, false, "timestamp without time zone columns; use timestamptz")
MG_RULE(PREFER_JSONB, "prefer_jsonb", DESIGN, WARN, false, "json columns; use jsonb")
MG_RULE(BAN_CHAR, "ban_char", DESIGN, WARN, false, "char(n) columns; use text")

/* lock queue safety */
MG_RULE(LOCK_TIMEOUT, "lock_timeout", LOCKING, ENFORCE, false, "a lock that blocks reads or writes requested without a short lock_timeout")
MG_RULE(LOCK_HELD_ACROSS_STATEMENTS, "lock_held_across_statements", LOCKING, WARN, false, "more statements run while holding ACCESS EXCLUSIVE on an existing table")
MG_RULE(MULTIPLE_EXCLUSIVE_LOCKS, "multiple_exclusive_locks", LOCKING, WARN, false, "one transaction holds ACCESS EXCLUSIVE on several existing tables")

/* backstop */
MG_RULE(TABLE_REWRITE, "table_rewrite", BACKSTOP, ENFORCE, true, "a rewrite of an existing table that no other rule predicted")
